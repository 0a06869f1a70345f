/**
 * Compile-time contract of the typed request surface: `tsc` (part of `npm test`) fails if these
 * lines stop type-checking or if an `@ts-expect-error` line starts to compile.
 */
import type { Codex } from '../../src/index.js';
import type { ClientRequestParams, ClientRequestResult, NotificationOf } from '../../src/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const check = <T extends true>(_: T): void => undefined;

describe('typed protocol surface', () => {
  it('maps methods to params and results', () => {
    check<Equal<ClientRequestResult<'thread/start'>['thread']['id'], string>>(true);
    check<Equal<ClientRequestParams<'turn/interrupt'>, { threadId: string; turnId: string }>>(true);
    check<Equal<NotificationOf<'item/agentMessage/delta'>['params']['delta'], string>>(true);
    // 0.171.0: paired by the generator's exception table, not by the XParams → XResponse rule.
    check<
      Equal<
        ClientRequestResult<'modelProvider/default/set'>,
        ClientRequestResult<'config/value/write'>
      >
    >(true);
    check<Equal<ClientRequestParams<'modelProvider/default/set'>, { providerId: string }>>(true);
    const usage = (codex: Codex) => {
      void codex.request('turn/interrupt', { threadId: 't', turnId: 'u' });
      void codex.request('account/logout');
      // @ts-expect-error turn/interrupt needs a turnId
      void codex.request('turn/interrupt', { threadId: 't' });
      // @ts-expect-error no such method
      void codex.request('no/such/method', {});
      // @ts-expect-error thread/start takes params
      void codex.request('thread/start', 42);
    };
    expect(typeof usage).toBe('function');
  });
});
