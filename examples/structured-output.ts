/**
 * Structured output: give the turn a JSON Schema; the final answer follows it and `run()` parses
 * it into `parsedResponse`.
 *
 *   npm run example -- structured-output [--offline]
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

interface City {
  city: string;
  country: string;
  population: number;
}

await using env = await exampleEnvironment('structured-output');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

const result = await thread.run<City>('Which city is the capital of France? Answer as JSON.', {
  outputSchema: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      country: { type: 'string' },
      population: { type: 'integer' },
    },
    required: ['city', 'country', 'population'],
    additionalProperties: false,
  },
});
const city = result.parsedResponse!;
console.log(`${city.city}, ${city.country}: ${city.population.toLocaleString('en-US')} people`);
