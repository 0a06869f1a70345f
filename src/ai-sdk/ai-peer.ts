/**
 * The optional peer `ai`, loaded here and only here. A static `import … from 'ai'` anywhere in
 * codex-rx/ai-sdk would make a missing `ai` fail at link time with a bare
 * `ERR_MODULE_NOT_FOUND`, before any code of ours could say what is missing; so the modules of
 * codex-rx/ai-sdk import `ai`'s types only, and take its functions from here.
 *
 * It is loaded with `require()`, synchronously, so that `require('codex-rx/ai-sdk')` keeps
 * working from CommonJS (a top-level `await` would break it); on Node 22 and later that loads the
 * ES module `ai` into the same module cache as `import 'ai'`, so an app and codex-rx share one
 * copy. A loader that cannot `require()` an ES module (Jest's before Node 24.9) gets it with
 * `import()` instead, ready a moment after codex-rx/ai-sdk is.
 */
import { createRequire } from 'node:module';
import type * as Ai from 'ai';
import { CodexError } from '../errors/codex-error.js';

/** The range of `ai` codex-rx/ai-sdk is built for (its `peerDependencies` entry). */
const AI_RANGE = '>=7 <8';

const require = createRequire(import.meta.url);

function missing(cause: unknown): CodexError {
  return new CodexError(
    `codex-rx/ai-sdk needs the 'ai' package (${AI_RANGE}), an optional peer dependency of codex-rx that is not installed: npm install ai@7`,
    { code: 'missing_peer_dependency', data: { package: 'ai', range: AI_RANGE }, cause },
  );
}

// Resolving loads nothing: a missing `ai` is named here, at import.
try {
  require.resolve('ai');
} catch (error) {
  throw missing(error);
}

let ai: typeof Ai | undefined;
let ready: Promise<typeof Ai>;
try {
  ai = require('ai') as typeof Ai;
  ready = Promise.resolve(ai);
} catch {
  ready = import('ai').then((loaded) => (ai = loaded));
  // Whoever needs it first sees the failure; nothing is thrown into the event loop.
  ready.catch(() => undefined);
}

/** `ai`, once loaded; a synchronous caller in a runtime still importing it gets a clear error. */
export function aiPeer(): typeof Ai {
  if (ai) return ai;
  throw new CodexError(
    "codex-rx/ai-sdk: the 'ai' package is still loading (this runtime cannot require() an ES module); call again after an await",
    { code: 'peer_loading', data: { package: 'ai' } },
  );
}

/** `ai`, waiting for it where it loads asynchronously. */
export function aiPeerReady(): Promise<typeof Ai> {
  return ready;
}
