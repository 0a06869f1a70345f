/**
 * Client-side tools: give the agent a function that runs in your process. It calls it like any
 * other tool; the result goes back to the model. A thrown error becomes the tool's error output.
 *
 *   npm run example -- dynamic-tools [--offline]
 */
import { Codex, defineTool } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

const weather = defineTool<{ city: string }>({
  name: 'lookup_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: ({ city }) => {
    console.log(`[tool] lookup_weather(${city})`);
    return `sunny, 21C in ${city}`; // call your weather API here
  },
});

await using env = await exampleEnvironment('dynamic-tools');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace }, { tools: [weather] });

const result = await thread.run('Do I need an umbrella in Paris today? Use the weather tool.');
console.log(result.finalResponse);
