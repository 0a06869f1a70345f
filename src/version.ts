/**
 * This package's version, as sent in `initialize.clientInfo.version`. A constant, not read from
 * `package.json` at run time: a bundled or copied build must report codex-rx's version, and has
 * no `../package.json` to read. `spec/package/version.spec.ts` keeps it equal to package.json.
 */
export const VERSION = '0.1.0';
