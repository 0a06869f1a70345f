import { filter } from 'rxjs';
import type { Observable } from 'rxjs';

/**
 * Keeps the notifications with one of the given methods, narrowing their type:
 * `turn$.pipe(ofMethod('item/completed'))` is an Observable of `item/completed` events.
 */
export function ofMethod<M extends string>(
  ...methods: M[]
): <N extends { readonly method: string }>(
  source: Observable<N>,
) => Observable<Extract<N, { method: M }>> {
  const wanted = new Set<string>(methods);
  return <N extends { readonly method: string }>(source: Observable<N>) =>
    source.pipe(filter((event): event is Extract<N, { method: M }> => wanted.has(event.method)));
}
