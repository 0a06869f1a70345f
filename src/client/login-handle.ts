import { filter } from 'rxjs';
import { CodexError } from '../errors/codex-error.js';
import type { AccountLoginCompletedNotification } from '../protocol/generated/v2/AccountLoginCompletedNotification.js';
import type { CancelLoginAccountResponse } from '../protocol/generated/v2/CancelLoginAccountResponse.js';
import type { LoginAccountResponse } from '../protocol/generated/v2/LoginAccountResponse.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { ClientContext } from '../client-context.js';

/** A login that finishes outside the process (a browser, another device). */
export interface LoginHandle {
  readonly loginId: string;
  /**
   * Settles when the server reports the login finished (`account/login/completed` for this
   * `loginId`): resolves on success; rejects with a {@link CodexError} (`login_failed`,
   * `login_cancelled`) or when the client closes.
   */
  readonly completed: Promise<AccountLoginCompletedNotification>;
  /** Cancels the login (`account/login/cancel`); `completed` then rejects with `login_cancelled`. */
  cancel(): Promise<CancelLoginAccountResponse>;
}

/** A browser login: open `authUrl`. */
export interface ChatgptLoginHandle extends LoginHandle {
  readonly authUrl: string;
}

/** A device-code login: visit `verificationUrl` and enter `userCode`. */
export interface DeviceCodeLoginHandle extends LoginHandle {
  readonly verificationUrl: string;
  readonly userCode: string;
}

type Completed = Extract<CodexNotification, { method: 'account/login/completed' }>;

/**
 * Sends `account/login/start` and returns a handle whose `completed` is routed by `loginId`. The
 * completion is listened for before the request goes out, so a fast completion is not missed.
 */
export async function startLogin(
  ctx: ClientContext,
  type: 'chatgpt' | 'chatgptDeviceCode',
): Promise<ChatgptLoginHandle | DeviceCodeLoginHandle> {
  let settle!: {
    resolve: (n: AccountLoginCompletedNotification) => void;
    reject: (e: Error) => void;
  };
  const completed = new Promise<AccountLoginCompletedNotification>(
    (resolve, reject) => (settle = { resolve, reject }),
  );
  completed.catch(() => undefined);
  // Completions seen before the response names our loginId; a fast login must not be missed.
  const early: AccountLoginCompletedNotification[] = [];
  const ours: { loginId?: string; cancelled?: boolean } = {};
  const cancelledError = (data?: unknown): CodexError =>
    new CodexError(`login ${ours.loginId ?? ''} was cancelled`, {
      code: 'login_cancelled',
      ...(data === undefined ? {} : { data }),
    });
  const onCompleted = (params: AccountLoginCompletedNotification): void => {
    const loginId = ours.loginId;
    if (loginId === undefined) {
      early.push(params);
      return;
    }
    if (params.loginId !== loginId) return;
    listening.unsubscribe();
    if (params.success) settle.resolve(params);
    // The server's own failure report for a login we cancelled can beat the cancel's response.
    else if (ours.cancelled) settle.reject(cancelledError(params));
    else {
      settle.reject(
        new CodexError(`login ${loginId} failed: ${params.error ?? 'no reason given'}`, {
          method: 'account/login/start',
          code: 'login_failed',
          data: params,
        }),
      );
    }
  };
  const listening = ctx.notifications$
    .pipe(filter((n): n is Completed => n.method === 'account/login/completed'))
    .subscribe({
      next: (n) => onCompleted(n.params),
      error: (error: unknown) => settle.reject(error as Error),
      complete: () =>
        settle.reject(
          new CodexError(`login ${ours.loginId ?? ''}: the client closed`, { code: 'closed' }),
        ),
    });
  let response: LoginAccountResponse;
  try {
    response = await ctx.control('account/login/start', { type });
    if (response.type !== 'chatgpt' && response.type !== 'chatgptDeviceCode') {
      throw new CodexError(
        `account/login/start answered an unexpected login type ${response.type}`,
        {
          method: 'account/login/start',
          code: 'unexpected_response',
          data: response,
        },
      );
    }
  } catch (error) {
    listening.unsubscribe();
    throw error;
  }
  const id = response.loginId;
  ours.loginId = id;
  early.forEach(onCompleted);
  const cancel = async (): Promise<CancelLoginAccountResponse> => {
    // Recorded before sending: the completion may arrive before the response.
    ours.cancelled = true;
    let result: CancelLoginAccountResponse;
    try {
      result = await ctx.control('account/login/cancel', { loginId: id });
    } catch (error) {
      ours.cancelled = false;
      throw error;
    }
    listening.unsubscribe();
    settle.reject(cancelledError(result));
    return result;
  };
  return response.type === 'chatgpt'
    ? { loginId: id, authUrl: response.authUrl, completed, cancel }
    : {
        loginId: id,
        verificationUrl: response.verificationUrl,
        userCode: response.userCode,
        completed,
        cancel,
      };
}
