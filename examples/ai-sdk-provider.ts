/**
 * Codex as an AI SDK model: `generateText` and `streamText` drive app-server turns. A multi-turn
 * chat continues one thread by its id, a caller tool runs in the AI SDK's own tool loop, and a
 * command the agent runs shows up as a provider-executed tool call.
 *
 *   npm run example -- ai-sdk-provider [--offline]
 */
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { ModelMessage } from 'ai';
import { createCodexProvider } from 'codex-rx/ai-sdk';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('ai-sdk-provider');
const codex = createCodexProvider({ start: env.options, threadParams: { cwd: env.workspace } });
try {
  // A chat: the first call starts a thread, the next ones continue it by id and send only
  // what is new in `messages`.
  const messages: ModelMessage[] = [{ role: 'user', content: 'My name is Ada.' }];
  const first = await generateText({ model: codex(), messages });
  const { threadId } = first.providerMetadata!.codex as { threadId: string };
  messages.push({ role: 'assistant', content: first.text });
  messages.push({ role: 'user', content: 'What is my name?' });
  const second = await generateText({
    model: codex(),
    messages,
    providerOptions: { codex: { threadId } },
  });
  console.log(`> What is my name?\n${second.text}`);

  // A caller tool: the agent calls it, the AI SDK runs it, the turn goes on with its result.
  const weather = tool({
    description: 'Current weather for a city',
    inputSchema: jsonSchema<{ city: string }>({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    }),
    execute: ({ city }) => {
      console.log(`[tool] weather(${city})`);
      return Promise.resolve(`sunny, 21C in ${city}`);
    },
  });
  const answer = await generateText({
    model: codex(),
    prompt: 'Do I need an umbrella in Paris today? Use the weather tool.',
    tools: { weather },
    stopWhen: stepCountIs(5),
  });
  console.log(answer.text);

  // Streaming: text deltas as they come, and the agent's own commands as tool calls.
  const stream = streamText({ model: codex(), prompt: 'How many files are in the workspace?' });
  for await (const part of stream.fullStream) {
    if (part.type === 'tool-call') console.log(`[${part.toolName}] ${JSON.stringify(part.input)}`);
    if (part.type === 'text-delta') process.stdout.write(part.text);
  }
  console.log(`\n(${(await stream.usage).totalTokens} tokens)`);
} finally {
  await codex.close();
}
