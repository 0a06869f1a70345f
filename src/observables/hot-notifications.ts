import { Observable, Subject } from 'rxjs';
import type { FullLogger } from '../logger.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { RpcConnection } from '../rpc/rpc-connection.js';
import type { WireLine } from '../transport/wire-line.js';
import { notificationProblem } from './notification-shape.js';

/** The hot stream and a count of its subscribers (for leak checks). */
export interface HotNotifications {
  readonly notifications$: Observable<CodexNotification>;
  subscriberCount(): number;
}

/**
 * Turns the connection's notifications into one hot, multicast Observable: a single listener on
 * the connection, however many subscribers. It completes after `close()` and errors with the
 * cause when the connection is lost. Subscribers see what arrives after they subscribe (hot);
 * per-turn streams are where replay lives.
 */
export function hotNotifications(
  connection: RpcConnection,
  /** Sees each notification before any subscriber, in wire order (the turn router). */
  tap: (notification: CodexNotification, wire: WireLine | undefined) => void,
  logger: FullLogger,
  /** Told of each notification too malformed to use; it is then not routed nor emitted. */
  onMalformed: (notification: CodexNotification, problem: string) => void = () => undefined,
): HotNotifications {
  const subject = new Subject<CodexNotification>();
  let subscribers = 0;
  connection.onNotification((message, wire) => {
    const notification = message as unknown as CodexNotification;
    const problem = notificationProblem(notification);
    if (problem !== undefined) {
      logger.warn(`codex-rx: skipped a malformed ${notification.method} notification: ${problem}`);
      onMalformed(notification, problem);
      return;
    }
    try {
      tap(notification, wire);
    } catch (error) {
      // Routing must never stop the stream; a bug here is reported, the event still goes out.
      logger.error(`codex-rx: routing ${notification.method} failed: ${(error as Error).message}`);
    }
    subject.next(notification);
  });
  connection.onClose((error) => (error ? subject.error(error) : subject.complete()));
  const notifications$ = new Observable<CodexNotification>((subscriber) => {
    subscribers++;
    const subscription = subject.subscribe(subscriber);
    return () => {
      subscribers--;
      subscription.unsubscribe();
    };
  });
  return { notifications$, subscriberCount: () => subscribers };
}
