import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CodexNotification } from '../protocol/methods.js';
import type { RpcConnection } from '../rpc/rpc-connection.js';

/**
 * Turns the connection's notifications into one hot, multicast Observable: a single listener on
 * the connection, however many subscribers. It completes after `close()` and errors with the
 * cause when the connection is lost. Subscribers see what arrives after they subscribe (hot);
 * per-turn streams are where replay lives.
 */
export function hotNotifications(
  connection: RpcConnection,
  /** Sees each notification before any subscriber, in wire order (the turn router). */
  tap?: (notification: CodexNotification) => void,
): Observable<CodexNotification> {
  const subject = new Subject<CodexNotification>();
  connection.onNotification((wire) => {
    const notification = wire as unknown as CodexNotification;
    tap?.(notification);
    subject.next(notification);
  });
  connection.onClose((error) => (error ? subject.error(error) : subject.complete()));
  return subject.asObservable();
}
