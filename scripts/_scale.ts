import { reduceTurnState, INITIAL_TURN_STATE } from '../src/state/index.js';
import type { StateEvent, TurnState } from '../src/state/index.js';
const ev = (method: string, params: object) => ({ method, params: { threadId: 't', turnId: 'u', ...params } }) as unknown as StateEvent;
function seeded(n: number): TurnState {
  let s = reduceTurnState(INITIAL_TURN_STATE, ev('turn/started', { turn: { id: 'u', startedAt: 1 } }));
  for (let i = 0; i < n; i++) s = reduceTurnState(s, ev('item/completed', { item: { type: 'plan', id: `p${i}`, text: 'x' } }));
  return reduceTurnState(s, ev('item/started', { item: { type: 'agentMessage', id: 'm', text: '', phase: null } }));
}
const deltas = Array.from({ length: 200000 }, (_, i) => ev('item/agentMessage/delta', { itemId: 'm', delta: `t${i % 100} ` }));
function run(n: number): number {
  let s = seeded(n);
  const t0 = performance.now();
  for (const d of deltas) s = reduceTurnState(s, d);
  return (performance.now() - t0) / deltas.length * 1e6;
}
for (let r = 0; r < 3; r++) { const a = run(1); const b = run(1000); console.log(`1 item ${a.toFixed(0)} ns/delta, 1000 items ${b.toFixed(0)} ns/delta, ratio ${(b / a).toFixed(2)}`); }
