import { createRequire } from 'node:module';

// src/ and dist/ both sit one level below the package root.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** This package's version, as sent in `initialize.clientInfo.version`. */
export const VERSION: string = pkg.version;
