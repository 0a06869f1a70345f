/** Wire-shaped notifications of a turn, for fake-peer and marble tests. */
import type { CodexNotification } from '../../src/protocol/methods.js';
import type { TurnEvent } from '../../src/thread/turn-event.js';
import type { FakePeer } from './fake-peer.js';

let n = 0;

/** A `turn` object as the server sends it. */
export function turnObject(id: string, status: string, error: unknown = null) {
  return {
    id,
    rootTurnId: id,
    items: [],
    itemsView: 'notLoaded',
    status,
    error,
    startedAt: status === 'inProgress' ? null : 1_700_000_000,
    completedAt: status === 'inProgress' ? null : 1_700_000_001,
    durationMs: status === 'inProgress' ? null : 1000,
  };
}

/** Token counts of `total` tokens, all of them input but one (a `TokenUsageBreakdown`). */
export function tokenBreakdown(total: number) {
  return {
    totalTokens: total,
    inputTokens: total - 1,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: 1,
    reasoningOutputTokens: 0,
  };
}

/** Builders for one turn's notifications. */
export function turnEvents(threadId: string, turnId: string) {
  const base = { threadId, turnId };
  const note = (method: string, params: Record<string, unknown>): CodexNotification =>
    ({ method, params, emittedAtMs: 1_700_000_000_000 + n++ }) as unknown as CodexNotification;
  const agentMessage = (id: string, text: string, phase: string | null = null) => ({
    type: 'agentMessage',
    id,
    text,
    phase,
    moderation: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
  });
  return {
    started: () => note('turn/started', { threadId, turn: turnObject(turnId, 'inProgress') }),
    itemStarted: (item: Record<string, unknown>) =>
      note('item/started', { ...base, item, startedAtMs: 1 }),
    delta: (itemId: string, delta: string) =>
      note('item/agentMessage/delta', { ...base, itemId, delta }),
    itemCompleted: (item: Record<string, unknown>) =>
      note('item/completed', { ...base, item, completedAtMs: 2 }),
    message: (id: string, text: string, phase: string | null = null) =>
      note('item/completed', { ...base, item: agentMessage(id, text, phase), completedAtMs: 2 }),
    agentMessage,
    usage: (total: number) => {
      const breakdown = tokenBreakdown(total);
      return note('thread/tokenUsage/updated', {
        ...base,
        tokenUsage: { total: breakdown, last: breakdown, modelContextWindow: null },
      });
    },
    completed: (status = 'completed', error: unknown = null) =>
      note('turn/completed', { threadId, turn: turnObject(turnId, status, error) }),
    custom: (method: string, params: Record<string, unknown>) =>
      note(method, { ...base, ...params }),
  };
}

/**
 * Makes `peer` answer every `turn/start` on `threadId` with a new turn id and, on the next tick,
 * the notifications `script` builds for that turn (as a real server streams a turn after its
 * response).
 */
export function answerTurns(
  peer: { handle: FakePeer['handle']; send: FakePeer['send'] },
  threadId: string,
  script: (t: ReturnType<typeof turnEvents>) => CodexNotification[],
): void {
  let next = 0;
  peer.handle('turn/start', () => {
    const turnId = `${threadId}-turn-${++next}`;
    const events = script(turnEvents(threadId, turnId));
    setImmediate(() => {
      for (const event of events) peer.send(event);
    });
    return { result: { turn: turnObject(turnId, 'inProgress') } };
  });
}

/** The status of the `turn/completed` that ends `events`, if it ends with one. */
export function completedStatus(events: readonly TurnEvent[]): string | undefined {
  const last = events.at(-1);
  return last?.method === 'turn/completed' ? last.params.turn.status : undefined;
}
