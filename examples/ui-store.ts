/**
 * UI store: a thread's state in the stores apps use, kept by codex-rx's own fold. A Zustand
 * (vanilla) store takes the snapshots of `thread.state$()`; a Redux Toolkit store uses the same
 * fold, `reduceThreadState`, as its reducer over the events it is dispatched. Both hold equal,
 * immutable, plain snapshots. examples/ui-store-react.tsx shows the React hook.
 *
 *   npm run example -- ui-store [--offline]
 *
 * It imports only what the package exports, so it runs as is in an app of your own.
 */
import { configureStore, createSlice } from '@reduxjs/toolkit';
import type { PayloadAction } from '@reduxjs/toolkit';
import { isDeepStrictEqual } from 'node:util';
import { createStore } from 'zustand/vanilla';
import { Codex, INITIAL_THREAD_STATE, reduceThreadState } from 'codex-rx';
import type { StateEvent, ThreadState } from 'codex-rx';
import { item, reply, startScriptedCodex } from 'codex-rx/testing';

// Offline (`--offline` or CODEX_RX_OFFLINE=1), the real app-server answers from a scripted model,
// with no account; otherwise your own Codex set-up does, working in this folder (read-only).
const offline = process.argv.includes('--offline') || process.env.CODEX_RX_OFFLINE === '1';
await using scripted = offline ? await startScriptedCodex() : undefined;
scripted?.model.enqueue(
  reply.of(
    [
      item.message('Checking the project layout first.', { phase: 'commentary' }),
      item.message('The project has 3 packages.', {
        phase: 'final_answer',
        chunks: ['The project ', 'has 3 ', 'packages.'],
      }),
    ],
    { delayMs: 20 },
  ),
);
await using own = scripted ? undefined : await Codex.start();
const codex = scripted?.codex ?? own!;
const thread = await codex.startThread({
  cwd: scripted?.home.workspace ?? process.cwd(),
  sandbox: 'read-only',
});

// Zustand: the store holds the latest snapshot; a renderer would throttle with auditTime(16).
const chat = createStore<ThreadState>()(() => INITIAL_THREAD_STATE);
const toStore = thread.state$().subscribe((snapshot) => chat.setState(snapshot, true));

// Redux Toolkit: the fold is the reducer; each event is an action. Immer freezes what it stores,
// which the fold never writes to.
const threadSlice = createSlice({
  name: 'thread',
  initialState: INITIAL_THREAD_STATE,
  reducers: {
    event: (state, action: PayloadAction<StateEvent>) =>
      reduceThreadState(state as ThreadState, action.payload),
  },
});
const redux = configureStore({ reducer: { thread: threadSlice.reducer } });
const toRedux = thread.stateEvents$.subscribe((event) =>
  redux.dispatch(threadSlice.actions.event(event)),
);

// What a renderer subscribed to the Zustand store sees: the answer growing as it streams.
let shown = '';
chat.subscribe((state) => {
  const answer = state.turns.at(-1)?.items.findLast((item) => item.type === 'agentMessage');
  if (answer?.type !== 'agentMessage' || `${answer.lifecycle}${answer.text}` === shown) return;
  shown = `${answer.lifecycle}${answer.text}`;
  console.log(`${answer.lifecycle.padEnd(9)} ${JSON.stringify(answer.text)}`);
});

await thread.run('How many packages does this project have?');
toStore.unsubscribe();
toRedux.unsubscribe();

const last = chat.getState().turns.at(-1)!;
console.log(
  `final: ${last.finalResponse ?? '(no answer)'}; tokens ${last.usage?.total.totalTokens ?? 0}`,
);
console.log(
  `redux: ${redux.getState().thread.turns.length} turn, ${last.items.length} items, same state as zustand: ${isDeepStrictEqual(redux.getState().thread, chat.getState())}`,
);
