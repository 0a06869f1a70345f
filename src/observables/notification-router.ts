import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { CodexError } from '../errors/codex-error.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { WireLine } from '../transport/wire-line.js';
import { threadIdOf, turnIdOf } from './notification-ids.js';
import { WeakValueMap } from './weak-value-map.js';

/** Where one turn's notifications go. */
export interface TurnSink {
  /** `wire` says where the notification sits in the transport's text, when known (valid during the call). */
  deliver(notification: CodexNotification, wire: WireLine | undefined): void;
  /** The connection ended before the turn did. */
  abort(error: Error): void;
}

/** A turn whose `turn/start` response has not been handled yet. */
export interface StartingTurn {
  /** Events of this thread whose turn nobody has claimed yet, in wire order. */
  readonly early: CodexNotification[];
  /** Unreadable events meanwhile: the turn they name (or, naming none, any turn) fails on claim. */
  readonly failures: Array<{ readonly turnId: string | undefined; readonly error: Error }>;
}

/**
 * Everything routed for one thread: its hot `events$` subscribers, its turns by id, the turn
 * being started (if any), and whether the server says a turn is running.
 */
export class ThreadRoute {
  readonly subscribers = new Set<Subscriber<CodexNotification>>();
  readonly turns = new Map<string, TurnSink>();
  private startingTurn: StartingTurn | undefined;
  /** The turn the server reported as started and not yet completed. */
  activeTurnId: string | undefined;
  /** From `thread/status/changed` and start/resume responses. */
  statusActive = false;
  /** Set while something runs turns on this thread that no turn/start of ours started (a goal). */
  heldBy: string | undefined;
  /**
   * The end of the thread's turn that this client is ending (interrupting), if any: the thread's
   * next turn waits for it rather than fail with the thread busy.
   */
  ending: Promise<void> | undefined;

  constructor(
    readonly threadId: string,
    /** Told whether the route has live work (turns, a start, subscribers) the router must keep. */
    private readonly onBusyChange: (route: ThreadRoute, busy: boolean) => void = () => undefined,
  ) {}

  /** The turn being started, if any. */
  get starting(): StartingTurn | undefined {
    return this.startingTurn;
  }

  set starting(starting: StartingTurn | undefined) {
    this.startingTurn = starting;
    this.updateBusy();
  }

  /**
   * Reports whether anything waits on this route. The router holds routes weakly (a dropped
   * thread's state must go), but a route with a running turn or a subscriber is the only path
   * by which that turn's events arrive, so it must stay while they do.
   */
  updateBusy(): void {
    this.onBusyChange(
      this,
      this.turns.size > 0 || this.startingTurn !== undefined || this.subscribers.size > 0,
    );
  }

  /** The id of a turn that is running or being started on this thread, if any. */
  busy(): string | undefined {
    if (this.starting) return 'a turn being started';
    if (this.heldBy !== undefined) return this.heldBy;
    if (this.activeTurnId !== undefined) return this.activeTurnId;
    // Ours, answered but not reported started yet: the server already counts it as running.
    for (const turnId of this.turns.keys()) return turnId;
    return this.statusActive ? 'a turn started by another client' : undefined;
  }

  dispatch(notification: CodexNotification, wire?: WireLine): void {
    const turnId = turnIdOf(notification);
    switch (notification.method) {
      case 'turn/started':
        this.activeTurnId = turnId;
        break;
      case 'turn/completed':
        // Before anyone hears of it: whoever starts the next turn from inside this event (a
        // concatMap moving on, an events$ subscriber) must find the thread free.
        if (this.activeTurnId === turnId) this.activeTurnId = undefined;
        break;
      case 'thread/status/changed': {
        // Read defensively: a newer server may reshape the status.
        const status = (notification.params as { status?: { type?: unknown } }).status;
        this.statusActive = status?.type === 'active';
        break;
      }
    }
    for (const subscriber of this.subscribers) subscriber.next(notification);
    if (notification.method === 'thread/closed') {
      // The server unloaded the thread: no event of its turns will come; none may wait forever.
      this.failTurns(
        new CodexError(`thread ${this.threadId} was closed by the server; resume it to go on`, {
          code: 'thread_closed',
          data: { threadId: this.threadId },
        }),
      );
      return;
    }
    if (turnId !== undefined) {
      const sink = this.turns.get(turnId);
      if (sink) sink.deliver(notification, wire);
      else this.starting?.early.push(notification);
    }
  }

  /** Registers the sink for `turnId` and hands it the early events that belong to it. */
  claim(turnId: string, sink: TurnSink, starting?: StartingTurn): void {
    this.turns.set(turnId, sink);
    this.updateBusy();
    if (!starting) return;
    // Buffered events are objects already: the wire text they came in is long gone.
    for (const notification of starting.early) {
      if (turnIdOf(notification) === turnId) sink.deliver(notification, undefined);
    }
    const failure = starting.failures.find((f) => f.turnId === undefined || f.turnId === turnId);
    if (failure) sink.abort(failure.error);
  }

  /**
   * An event of this thread could not be read: the turn it names fails with `error`, or, when it
   * names none (a `turn/completed` without its `turn`), the running turn, whose end could
   * otherwise never be seen. A turn still being started fails once it is claimed.
   */
  fail(turnId: string | undefined, error: Error): void {
    const id = turnId ?? this.activeTurnId;
    const sink =
      id !== undefined
        ? this.turns.get(id)
        : this.turns.size === 1
          ? this.turns.values().next().value
          : undefined;
    if (sink) sink.abort(error);
    else if (this.starting) {
      this.starting.failures.push({ turnId, error });
    }
  }

  /** Fails every turn of this thread (their streams error with `error`). */
  failTurns(error: Error): void {
    for (const sink of [...this.turns.values()]) sink.abort(error);
    this.activeTurnId = undefined;
    this.statusActive = false;
  }

  /** Forgets `turnId` (its turn ended) if `sink` still owns it. */
  release(turnId: string, sink: TurnSink): void {
    if (this.turns.get(turnId) === sink) {
      this.turns.delete(turnId);
      this.updateBusy();
    }
  }
}

/**
 * Routes each notification to the thread and turn it belongs to with two map lookups, so the cost
 * per event does not grow with the number of threads, turns or subscribers elsewhere.
 */
export class NotificationRouter {
  // Held weakly: a route lives while its Thread objects, turns or event subscriptions do.
  private readonly threads = new WeakValueMap<string, ThreadRoute>();
  /**
   * Routes with a turn running or starting, or a subscriber: held strongly while so, and looked
   * up here first (a WeakRef's `deref()` on every event costs measurable throughput).
   */
  private readonly busy = new Map<string, ThreadRoute>();
  private readonly onBusyChange = (route: ThreadRoute, busy: boolean): void => {
    if (busy) this.busy.set(route.threadId, route);
    else if (this.busy.get(route.threadId) === route) this.busy.delete(route.threadId);
  };
  private endedWith: Error | null | undefined;

  /** Feeds one notification, in wire order. */
  route(notification: CodexNotification, wire?: WireLine): void {
    const threadId = threadIdOf(notification);
    if (threadId !== undefined)
      (this.busy.get(threadId) ?? this.threads.get(threadId))?.dispatch(notification, wire);
  }

  /** A notification could not be read: the turn of its thread it belongs to fails with `error`. */
  fail(notification: CodexNotification, error: Error): void {
    const threadId = threadIdOf(notification);
    if (threadId !== undefined) this.threads.get(threadId)?.fail(turnIdOf(notification), error);
  }

  /** The route for a thread, created on first use. */
  thread(threadId: string): ThreadRoute {
    let route = this.threads.get(threadId);
    if (!route) {
      route = new ThreadRoute(threadId, this.onBusyChange);
      this.threads.set(threadId, route);
    }
    return route;
  }

  /** A hot Observable of one thread's notifications; completes or errors when the connection ends. */
  threadEvents(threadId: string): Observable<CodexNotification> {
    return new Observable<CodexNotification>((subscriber) => {
      if (this.endedWith !== undefined) {
        if (this.endedWith) subscriber.error(this.endedWith);
        else subscriber.complete();
        return;
      }
      const route = this.thread(threadId);
      route.subscribers.add(subscriber);
      route.updateBusy();
      return () => {
        route.subscribers.delete(subscriber);
        route.updateBusy();
      };
    });
  }

  /** Live counts, for leak checks: turns registered, turns starting, thread subscribers. */
  stats(): { threads: number; turns: number; starting: number; subscribers: number } {
    let turns = 0;
    let starting = 0;
    let subscribers = 0;
    let threads = 0;
    for (const route of this.threads.values()) {
      threads++;
      turns += route.turns.size;
      starting += route.starting ? 1 : 0;
      subscribers += route.subscribers.size;
    }
    return { threads, turns, starting, subscribers };
  }

  /** The connection was lost and is being dialed again: every turn fails, thread streams go on. */
  failTurns(error: Error): void {
    for (const route of this.threads.values()) route.failTurns(error);
  }

  /** The connection ended: every turn aborts with `error`, thread streams error or complete. */
  end(error: Error | undefined, turnError: Error): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = error ?? null;
    for (const route of this.threads.values()) {
      // Forgets the server's running turn too: none runs for us any more, and a later turn()
      // must fail as every request now does, not as if the lost turn still held the thread.
      route.failTurns(turnError);
      route.turns.clear();
      route.starting = undefined;
      for (const subscriber of [...route.subscribers]) {
        if (error) subscriber.error(error);
        else subscriber.complete();
      }
      route.subscribers.clear();
    }
    this.busy.clear();
  }

  /** Whether the connection has ended. */
  get ended(): boolean {
    return this.endedWith !== undefined;
  }
}
