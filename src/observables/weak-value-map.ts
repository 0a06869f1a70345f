/**
 * A map whose values are held weakly: an entry lives as long as something else holds its value.
 * The per-thread routing and request state is owned by the `Thread` objects (and their turns and
 * subscriptions); a thread the application has let go of must not keep that state forever.
 */
export class WeakValueMap<K, V extends object> {
  private readonly refs = new Map<K, WeakRef<V>>();
  private readonly registry = new FinalizationRegistry<K>((key) => {
    // The key may have been reused for a new value since.
    if (this.refs.get(key)?.deref() === undefined) this.refs.delete(key);
  });

  get(key: K): V | undefined {
    return this.refs.get(key)?.deref();
  }

  set(key: K, value: V): void {
    const old = this.refs.get(key)?.deref();
    if (old) this.registry.unregister(old);
    this.refs.set(key, new WeakRef(value));
    this.registry.register(value, key, value);
  }

  delete(key: K): void {
    const old = this.refs.get(key)?.deref();
    if (old) this.registry.unregister(old);
    this.refs.delete(key);
  }

  /** The values still alive. */
  *values(): Generator<V, void, undefined> {
    for (const ref of this.refs.values()) {
      const value = ref.deref();
      if (value !== undefined) yield value;
    }
  }

  /** How many values are still alive (entries whose value was collected do not count). */
  get size(): number {
    let size = 0;
    for (const ref of this.refs.values()) if (ref.deref() !== undefined) size++;
    return size;
  }
}
