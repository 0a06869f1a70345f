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
  /** Feeds the stream from `connection` (the first one, or the one a reconnect made). */
  attach(connection: RpcConnection): void;
  /** Ends the stream: completes, or errors with the cause of a lost connection. */
  end(error: Error | undefined): void;
}

/**
 * Turns the connection's notifications into one hot, multicast Observable: a single listener on
 * the connection, however many subscribers. The client ends it when the connection is gone for
 * good (after `close()`, or a loss it does not reconnect from); across a reconnect it goes on.
 * Subscribers see what arrives after they subscribe (hot); per-turn streams are where replay lives.
 */
export function hotNotifications(
  /** Sees each notification before any subscriber, in wire order (the turn router). */
  tap: (notification: CodexNotification, wire: WireLine | undefined) => void,
  logger: FullLogger,
  /** Told of each notification too malformed to use; it is then not routed nor emitted. */
  onMalformed: (notification: CodexNotification, problem: string) => void = () => undefined,
): HotNotifications {
  const subject = new Subject<CodexNotification>();
  let subscribers = 0;
  const attach = (connection: RpcConnection): void => {
    connection.onNotification((message, wire) => {
      const notification = message as unknown as CodexNotification;
      const problem = notificationProblem(notification);
      if (problem !== undefined) {
        logger.warn(
          `codex-rx: skipped a malformed ${notification.method} notification: ${problem}`,
        );
        onMalformed(notification, problem);
        return;
      }
      try {
        tap(notification, wire);
      } catch (error) {
        // Routing must never stop the stream; a bug here is reported, the event still goes out.
        logger.error(
          `codex-rx: routing ${notification.method} failed: ${(error as Error).message}`,
        );
      }
      // Most events go to their turn alone: skipping an unwatched Subject saves its per-event
      // closure and observer loop.
      if (subject.observed) subject.next(notification);
    });
  };
  const notifications$ = new Observable<CodexNotification>((subscriber) => {
    subscribers++;
    const subscription = subject.subscribe(subscriber);
    return () => {
      subscribers--;
      subscription.unsubscribe();
    };
  });
  return {
    notifications$,
    subscriberCount: () => subscribers,
    attach,
    end: (error) => (error ? subject.error(error) : subject.complete()),
  };
}
