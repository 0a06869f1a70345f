/**
 * UI store: reduce a turn's events into the state a UI renders, with RxJS `scan`. Each snapshot
 * is what a React/Vue/Svelte store would publish.
 *
 *   npm run example -- ui-store [--offline]
 */
import { lastValueFrom, scan, tap } from 'rxjs';
import { Codex } from 'codex-rx';
import type { ThreadItem, ThreadTokenUsage, TurnEvent } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

interface TurnView {
  status: 'starting' | 'running' | 'completed' | 'interrupted' | 'failed';
  /** Text of agent messages still streaming, by item id. */
  streaming: Record<string, string>;
  /** Items as they completed. */
  items: ThreadItem[];
  usage: ThreadTokenUsage | null;
}

const initial: TurnView = { status: 'starting', streaming: {}, items: [], usage: null };

function reduce(view: TurnView, event: TurnEvent): TurnView {
  switch (event.method) {
    case 'turn/started':
      return { ...view, status: 'running' };
    case 'item/agentMessage/delta': {
      const { itemId, delta } = event.params;
      return {
        ...view,
        streaming: { ...view.streaming, [itemId]: (view.streaming[itemId] ?? '') + delta },
      };
    }
    case 'item/completed': {
      const { [event.params.item.id]: _done, ...streaming } = view.streaming;
      return { ...view, streaming, items: [...view.items, event.params.item] };
    }
    case 'thread/tokenUsage/updated':
      return { ...view, usage: event.params.tokenUsage };
    case 'turn/completed':
      return {
        ...view,
        status: event.params.turn.status === 'inProgress' ? 'running' : event.params.turn.status,
      };
    default:
      return view;
  }
}

await using env = await exampleEnvironment('ui-store');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

const final = await lastValueFrom(
  thread.turn('How many packages does this project have?').pipe(
    scan(reduce, initial),
    tap((view) =>
      console.log(
        `${view.status.padEnd(9)} streaming=${JSON.stringify(Object.values(view.streaming))} items=${view.items.length}`,
      ),
    ),
  ),
);
const answer = final.items.filter((item) => item.type === 'agentMessage').at(-1);
console.log(
  `final: ${answer?.type === 'agentMessage' ? answer.text : '(no answer)'}; tokens ${final.usage?.total.totalTokens ?? 0}`,
);
