/**
 * What the scripted model answers for each example and the demo in offline mode. Real runs
 * never read this: there the real model answers.
 */
import { echoResponder, item, reply } from '../../src/testing/scripted-model-server.js';
import type { Responder, ScriptedReply } from '../../src/testing/scripted-model-server.js';

/** The offline setup of one example. */
export interface OfflineScript {
  /** Replies to the model calls, in order. */
  readonly replies?: readonly ScriptedReply[];
  /** Answers model calls once `replies` run out. */
  readonly responder?: Responder;
  readonly approvalPolicy?: 'never' | 'on-request';
  readonly sandboxMode?: 'read-only' | 'workspace-write';
}

const slowly = (text: string, delayMs = 40): ScriptedReply =>
  reply.text(text, { chunks: text.split(/(?<= )/), delayMs, phase: 'final_answer' });

/**
 * The web chat's scripted model, by what the user typed: "run" runs a command, "delete" asks for
 * approval first, "slow" starts an answer that never ends (stop it), anything else is answered
 * word by word. After a command, the next call answers with what it did.
 */
const webChatResponder: Responder = (request) => {
  const text = request.lastUserText();
  const last = request.input.at(-1);
  if (last?.type === 'function_call_output') {
    const output = typeof last.output === 'string' ? last.output : JSON.stringify(last.output);
    return slowly(
      /rejected|declined/i.test(output)
        ? 'I did not run it: you denied it.'
        : `The command ran. ${output.includes('build ok') ? 'It printed build ok.' : ''}`.trim(),
      30,
    );
  }
  if (/\bslow\b/i.test(text)) return reply.hang('Thinking very slowly about');
  if (/\bdelete\b/i.test(text))
    return reply.escalatedCommand('rm -f old-notes.txt && echo deleted', 'remove old notes');
  if (/\brun\b/i.test(text))
    return reply.execCommand("printf 'compiling\\n'; sleep 0.2; printf 'build ok\\n'");
  return slowly(`You said: ${text}. This answer streams word by word.`, 60);
};

export const OFFLINE_SCRIPTS: Readonly<Record<string, OfflineScript>> = {
  'web-chat': {
    responder: webChatResponder,
    approvalPolicy: 'on-request',
    sandboxMode: 'workspace-write',
  },
  goal: {
    replies: [
      reply.text('Reading the commits since the last tag.'),
      reply.functionCall('update_goal', { status: 'complete' }),
      reply.text('- Goal turns\n- Interrupts in the first millisecond are kept', {
        phase: 'final_answer',
      }),
    ],
  },
  presets: { replies: [reply.text('All links resolve.', { phase: 'final_answer' })] },
  quickstart: { replies: [reply.text('Hello from your Codex agent!', { phase: 'final_answer' })] },
  'multi-turn': {
    replies: [
      reply.text('Nice to meet you, Ada.'),
      reply.text('Your name is Ada.'),
      reply.text('ADA, in capitals.'),
    ],
  },
  streaming: { replies: [slowly('Streams arrive word by word, as the model writes them.')] },
  steer: {
    replies: [
      reply.hang('Drafting a long essay about'),
      slowly('Here is the haiku you asked for instead.'),
    ],
  },
  interrupt: { replies: [reply.hang('Counting to a million: 1, 2, 3')] },
  approvals: {
    approvalPolicy: 'on-request',
    sandboxMode: 'workspace-write',
    replies: [
      reply.execCommand('rm -rf ./build', {
        sandbox_permissions: 'require_escalated',
        justification: 'clean the build folder',
      }),
      reply.execCommand('touch notes.txt', {
        sandbox_permissions: 'require_escalated',
        justification: 'create notes.txt',
      }),
      reply.text('I skipped the clean-up you declined and created notes.txt.'),
    ],
  },
  'structured-output': {
    replies: [
      reply.text('{"city":"Paris","country":"France","population":2102650}', {
        phase: 'final_answer',
      }),
    ],
  },
  'concurrent-threads': { responder: echoResponder },
  history: {
    replies: [reply.text('Teal.'), reply.text('A mango.')],
  },
  remote: {
    replies: [
      reply.text('Noted: 42.'),
      reply.text('You gave me 42.'),
      reply.text('Still 42, after the restart.'),
    ],
  },
  'search-threads': {
    replies: [reply.text('Standing up.'), reply.text('To confuse flies.'), reply.text('Rarely.')],
  },
  fleet: {
    // "Count slowly" never ends (its server is killed); the rest is echoed.
    responder: (request) =>
      request.lastUserText().startsWith('Count slowly')
        ? reply.hang('1, 2, 3')
        : request.lastUserText().startsWith('Which number')
          ? reply.text(`First: ${request.messageTexts('user').find((t) => t.startsWith('Say'))}`)
          : echoResponder(request),
  },
  executors: {
    responder: (request) => {
      const last = request.input.at(-1);
      if (last?.type === 'function_call_output') {
        const output = typeof last.output === 'string' ? last.output : JSON.stringify(last.output);
        return reply.text(
          `it printed ${/exec-builder/.test(output) ? 'exec-builder' : 'a hostname'}.`,
        );
      }
      return /long/.test(request.lastUserText())
        ? reply.execCommand('sleep 30')
        : reply.execCommand('hostname');
    },
  },
  'resume-thread': {
    replies: [reply.text('Noted: your favourite colour is teal.'), reply.text('You told me teal.')],
  },
  'ui-store': {
    replies: [
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
    ],
  },
  'dynamic-tools': {
    replies: [
      reply.functionCall('lookup_weather', { city: 'Paris' }),
      reply.text('It is sunny in Paris: no umbrella needed.', { phase: 'final_answer' }),
    ],
  },
  'ai-sdk-provider': {
    replies: [
      reply.text('Nice to meet you, Ada.'),
      reply.text('Your name is Ada.'),
      reply.functionCall('weather', { city: 'Paris' }),
      reply.text('It is sunny in Paris: no umbrella needed.', { phase: 'final_answer' }),
      reply.execCommand('ls | wc -l'),
      reply.text('The workspace has 0 files.', { chunks: ['The workspace ', 'has ', '0 files.'] }),
    ],
  },
  demo: {
    approvalPolicy: 'on-request',
    sandboxMode: 'workspace-write',
    replies: [
      reply.text(
        'codex-rx drives the Codex agent from TypeScript, with RxJS streams for every event.',
        {
          phase: 'final_answer',
          usage: { input: 1200, output: 24, cached: 800 },
        },
      ),
      slowly(
        'Observables deliver each event the moment the server sends it, so a UI can render text as it streams.',
        30,
      ),
      reply.hang('Writing a long report on'),
      slowly('Short version, as you asked: streams, steering and interrupts, all typed.', 30),
      reply.hang('Enumerating every file on the disk:'),
      reply.execCommand('touch demo-output.txt', {
        sandbox_permissions: 'require_escalated',
        justification: 'save the summary',
      }),
      reply.text('Saved demo-output.txt.', { phase: 'final_answer' }),
    ],
  },
};
