import { readFile } from 'node:fs/promises';
import { API_REFERENCE, renderApiReference } from '../../scripts/generate-docs.js';

describe('docs/api-reference.md', () => {
  it('is what the TSDoc in src/ generates (run `npm run docs` if not)', async () => {
    const committed = await readFile(API_REFERENCE, 'utf8');
    const fresh = await renderApiReference();
    if (committed !== fresh) {
      throw new Error('docs/api-reference.md is stale: run `npm run docs` and commit the result.');
    }
    expect(fresh).toContain('### Codex');
    expect(fresh).toContain('### TurnObservable');
  }, 120_000);
});
