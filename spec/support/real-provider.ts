/**
 * The provider specs' harness: `createCodexProvider` over one real app-server with the scripted
 * model (commands allowed in the workspace, no approvals).
 */
import { filter, firstValueFrom, map } from 'rxjs';
import { createCodexProvider } from '../../src/ai-sdk/index.js';
import type { CodexProvider } from '../../src/ai-sdk/index.js';
import { startRealCodex } from './real-codex.js';
import type { RealCodex } from './real-codex.js';

export interface RealProvider {
  readonly real: RealCodex;
  readonly codex: CodexProvider;
  /** Closes the provider, then the server and its scripted model. */
  readonly close: () => Promise<void>;
}

export async function startRealProvider(): Promise<RealProvider> {
  const real = await startRealCodex({ approvalPolicy: 'never', sandboxMode: 'workspace-write' });
  const codex = createCodexProvider({ client: real.codex });
  return {
    real,
    codex,
    close: async () => {
      await codex.close();
      await real.close();
    },
  };
}

/** The status the next turn on `real`'s server ends with (subscribe before it ends). */
export function nextTurnStatus(real: RealCodex): Promise<string> {
  return firstValueFrom(
    real.codex.notifications$.pipe(
      filter((n) => n.method === 'turn/completed'),
      map((n) => (n.params as { turn: { status: string } }).turn.status),
    ),
  );
}
