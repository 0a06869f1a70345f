/**
 * Records real event sequences for the UI state tests: each scenario runs one turn on the real,
 * pinned app-server against the scripted model and writes what `toTurnState()` is fed (the turn's
 * notifications and its server requests, in arrival order) plus the server's own record of the
 * turn (`thread/read`) to spec/fixtures/state/NAME.json.
 *
 *   npx tsx scripts/record-state-fixtures.ts
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, tap } from 'rxjs';
import type { Codex, StateEvent, Thread, Turn } from '../src/index.js';
import { isServerRequest } from '../src/index.js';
import { startScriptedCodex, reply, item } from '../src/testing/index.js';
import type { ScriptedCodex, ScriptedCodexOptions, ScriptedReply } from '../src/testing/index.js';

const out = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'spec',
  'fixtures',
  'state',
);

/** A recorded turn: what the fold reads, and how the server stored the turn. */
export interface StateFixture {
  readonly name: string;
  readonly events: StateEvent[];
  readonly stored: Turn;
}

interface Scenario {
  readonly name: string;
  readonly home?: Omit<ScriptedCodexOptions, 'responder' | 'codex'>;
  readonly replies: ScriptedReply[];
  readonly prompt: string;
  /** Acts on the turn while it runs (answer a request, interrupt). */
  readonly act?: (turn: ReturnType<Thread['turn']>, codex: Codex) => void;
}

const escalated = { approvalPolicy: 'on-request', sandboxMode: 'workspace-write' } as const;
// The server runs `apply_patch` itself when a command invokes it, and reports a fileChange item.
const patch =
  "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello from the agent\n*** End Patch\nEOF\n";

const scenarios: Scenario[] = [
  {
    name: 'message',
    prompt: 'Say hello',
    replies: [
      reply.of([item.reasoning('Thinking about a greeting'), item.message('Hello there, friend!')]),
    ],
  },
  {
    name: 'command-output',
    prompt: 'Count to three',
    home: { sandboxMode: 'danger-full-access' },
    replies: [
      reply.execCommand(
        "printf 'one\\n'; sleep 0.3; printf 'two\\n'; sleep 0.3; printf 'three\\n'",
      ),
      reply.text('Counted to three.'),
    ],
  },
  {
    name: 'approval-accepted',
    prompt: 'Touch a file',
    home: escalated,
    replies: [
      reply.escalatedCommand('echo approved-run', 'needs to run outside'),
      reply.text('Ran it.'),
    ],
    act: (turn) =>
      turn.serverRequests$.subscribe((request) => {
        if (request.method === 'item/commandExecution/requestApproval')
          setTimeout(() => request.respond({ decision: 'accept' }), 50);
      }),
  },
  {
    name: 'approval-declined',
    prompt: 'Touch a file',
    home: escalated,
    replies: [
      reply.escalatedCommand('echo declined-run', 'needs to run outside'),
      reply.text('It was declined.'),
    ],
    act: (turn) =>
      turn.serverRequests$.subscribe((request) => {
        if (request.method === 'item/commandExecution/requestApproval')
          setTimeout(() => request.respond({ decision: 'decline' }), 50);
      }),
  },
  {
    name: 'file-change',
    prompt: 'Create hello.txt',
    home: { sandboxMode: 'danger-full-access' },
    replies: [reply.execCommand(patch), reply.text('Created hello.txt.')],
  },
  {
    name: 'interrupted',
    prompt: 'Work forever',
    replies: [reply.hang('Working on it')],
    act: (turn) => {
      const sub = turn.subscribe((event) => {
        if (event.method === 'item/agentMessage/delta') {
          sub.unsubscribe();
          void turn.interrupt();
        }
      });
    },
  },
  { name: 'failed', prompt: 'Fail', replies: [reply.failed('the model broke')] },
  {
    name: 'interleaved',
    prompt: 'Two at once',
    replies: [
      reply.of([
        [
          {
            type: 'response.output_item.added',
            item: {
              type: 'message',
              role: 'assistant',
              id: 'm1',
              content: [],
              phase: 'commentary',
            },
          },
          {
            type: 'response.output_item.added',
            item: {
              type: 'message',
              role: 'assistant',
              id: 'm2',
              content: [],
              phase: 'final_answer',
            },
          },
          { type: 'response.output_text.delta', item_id: 'm1', delta: 'Looking ' },
          { type: 'response.output_text.delta', item_id: 'm2', delta: 'The answer ' },
          { type: 'response.output_text.delta', item_id: 'm1', delta: 'around.' },
          { type: 'response.output_text.delta', item_id: 'm2', delta: 'is 42.' },
          {
            type: 'response.output_item.done',
            item: {
              type: 'message',
              role: 'assistant',
              id: 'm1',
              phase: 'commentary',
              content: [{ type: 'output_text', text: 'Looking around.' }],
            },
          },
          {
            type: 'response.output_item.done',
            item: {
              type: 'message',
              role: 'assistant',
              id: 'm2',
              phase: 'final_answer',
              content: [{ type: 'output_text', text: 'The answer is 42.' }],
            },
          },
        ],
      ]),
    ],
  },
];

async function record(scenario: Scenario): Promise<StateFixture> {
  const scripted: ScriptedCodex = await startScriptedCodex(scenario.home ?? {});
  try {
    scripted.model.enqueue(...scenario.replies);
    const thread = await scripted.codex.startThread();
    const events: StateEvent[] = [];
    const turn = thread.turn(scenario.prompt);
    // What toTurnState() is fed over a turn: its events, and its requests and their resolutions.
    const recorded = lastValueFrom(turn.pipe(tap((event) => events.push(event))), {
      defaultValue: undefined,
    }).catch(() => undefined);
    turn.controller.requestEvents$.subscribe({
      next: (event) => {
        if (isServerRequest(event) || event.method === 'serverRequest/resolved') events.push(event);
      },
      error: () => undefined,
    });
    scenario.act?.(turn, scripted.codex);
    await recorded;
    const read = await thread.read({ includeTurns: true });
    const stored = read.thread.turns.at(-1)!;
    return { name: scenario.name, events, stored };
  } finally {
    await scripted.close();
  }
}

await mkdir(out, { recursive: true });
const only = process.argv.slice(2);
for (const scenario of scenarios) {
  if (only.length > 0 && !only.includes(scenario.name)) continue;
  const fixture = await record(scenario);
  await writeFile(path.join(out, `${scenario.name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(
    `${scenario.name}: ${fixture.events.length} events (${[...new Set(fixture.events.map((e) => e.method))].join(', ')}); stored ${fixture.stored.status}, ${fixture.stored.items.length} items`,
  );
}
