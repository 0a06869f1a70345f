import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import { CodexError } from './codex-error.js';

/**
 * What to do with a running turn whose environment is lost: `'fail'` (default) errors its
 * stream with an {@link EnvironmentLostError} at once and interrupts it on the server;
 * `'interrupt'` interrupts it (it ends `interrupted`); `'ignore'` lets the server go on (it
 * ends the turn by itself, `completed`, after its own retry).
 */
export type EnvironmentLostPolicy = 'fail' | 'interrupt' | 'ignore';

/**
 * A turn's executor (a `codex exec-server` environment) was lost while the turn ran: the
 * app-server reported the environment `disconnected`. The turn's stream errors with it (with
 * `onEnvironmentLost: 'fail'`, the default); the commands that were running there are in
 * `failedItems`, each with status `failed`. Carries no credentials.
 */
export class EnvironmentLostError extends CodexError {
  override name = 'EnvironmentLostError';

  constructor(
    /** The environment that was lost. */
    readonly environmentId: string,
    /** What the server said about it (e.g. `exec-server environment is recovering`). */
    readonly reason: string | undefined,
    /** The thread and turn that ran on it. */
    readonly threadId: string,
    readonly turnId: string,
    /** The command items that were running when it was lost, marked `failed`. */
    readonly failedItems: readonly ThreadItem[],
  ) {
    super(
      `turn ${turnId}: environment ${environmentId} was lost${reason ? ` (${reason})` : ''}` +
        (failedItems.length ? `; ${failedItems.length} running command(s) failed` : ''),
      {
        code: 'environment_lost',
        data: { environmentId, reason, threadId, turnId, failedItems },
      },
    );
  }
}
