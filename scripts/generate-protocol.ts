/**
 * Regenerates `src/protocol/generated/` from the pinned `codex` binary.
 *
 * Steps, all mechanical so the output is reproducible byte for byte (the drift test relies on it):
 * 1. `codex app-server generate-ts --experimental` (the client opts in to the experimental API, so its
 *    types describe what the server accepts on our connections);
 * 2. relative import specifiers get explicit `.js` / `/index.js` suffixes, which Node ESM and
 *    `moduleResolution: NodeNext` consumers of our `.d.ts` files require;
 * 3. `MethodResponses.ts` maps each request method to its response type: the binary's output
 *    pairs methods with params but not with results, so results are found by the `XParams` →
 *    `XResponse` naming rule plus the exceptions listed below. A method it still cannot pair is
 *    reported (one line naming it) and typed `unknown` rather than guessed, so a new release never
 *    blocks regenerating the rest; add it to `RESPONSE_EXCEPTIONS` to type it.
 *
 * Usage: `npm run generate` (or `tsx scripts/generate-protocol.ts [OUT_DIR]`).
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { resolveCodex } from '../src/transport/codex-binary.js';

/** Where `npm run generate` writes. */
export const GENERATED_DIR = fileURLToPath(new URL('../src/protocol/generated', import.meta.url));

/** Methods whose response type does not follow the `XParams` → `XResponse` rule. */
const RESPONSE_EXCEPTIONS: Readonly<Record<string, string>> = {
  'account/gatewayOAuth/cancel': 'GatewayOAuthCancelResponse',
  'account/logout': 'LogoutAccountResponse',
  'account/securitySetup/read': 'GetAccountSecuritySetupResponse',
  'account/workspaceMessages/read': 'GetWorkspaceMessagesResponse',
  'accountSession/list': 'AccountSessionsResponse',
  'config/batchWrite': 'ConfigWriteResponse',
  'config/mcpServer/reload': 'McpServerRefreshResponse',
  'config/value/write': 'ConfigWriteResponse',
  'modelProvider/default/set': 'ConfigWriteResponse',
  'configRequirements/read': 'ConfigRequirementsReadResponse',
  'externalAgentConfig/import/readHistories': 'ExternalAgentConfigImportHistoriesReadResponse',
  'memory/reset': 'MemoryResetResponse',
  'remoteControl/status/read': 'RemoteControlStatusReadResponse',
  'rollout/compress': 'RolloutCompressResponse',
  'windowsSandbox/readiness': 'WindowsSandboxReadinessResponse',
};

const HEADER =
  '// GENERATED CODE! DO NOT MODIFY BY HAND!\n' +
  '// Written by scripts/generate-protocol.ts from `codex app-server generate-ts`; run `npm run generate`.\n';

async function listTsFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTsFiles(full, base)));
    else if (entry.name.endsWith('.ts')) out.push(path.relative(base, full));
  }
  return out.sort();
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function addJsExtensions(root: string, file: string): Promise<void> {
  const full = path.join(root, file);
  const source = await readFile(full, 'utf8');
  const specifiers = new Set<string>();
  for (const match of source.matchAll(/from "(\.{1,2}\/[^"]*)"/g)) specifiers.add(match[1]!);
  let rewritten = source;
  for (const spec of specifiers) {
    const target = path.resolve(path.dirname(full), spec);
    const suffix = (await isDirectory(target)) ? '/index.js' : '.js';
    rewritten = rewritten.split(`from "${spec}"`).join(`from "${spec}${suffix}"`);
  }
  if (rewritten !== source) await writeFile(full, rewritten);
}

interface MethodEntry {
  readonly method: string;
  readonly params: string;
}

function methodsOf(unionSource: string, unionName: string): MethodEntry[] {
  const body = unionSource.split(`export type ${unionName} =`)[1];
  if (!body)
    throw new Error(`generate-protocol: ${unionName}.ts has no \`export type ${unionName}\``);
  const entries = [
    ...body.matchAll(/\{ "method": "([^"]+)", id: RequestId, params\??: ([A-Za-z0-9_]+)/g),
  ].map((m) => ({ method: m[1]!, params: m[2]! }));
  const declared = (body.match(/"method": "/g) ?? []).length;
  if (entries.length !== declared) {
    throw new Error(
      `generate-protocol: understood ${entries.length} of ${declared} ${unionName} members; update methodsOf()`,
    );
  }
  return entries;
}

/** A request method the generator could not pair with a response type (typed `unknown`). */
export interface UnpairedMethod {
  readonly union: 'ClientRequest' | 'ServerRequest';
  readonly method: string;
  readonly params: string;
}

async function writeMethodResponses(
  root: string,
  files: readonly string[],
): Promise<UnpairedMethod[]> {
  const unpaired: UnpairedMethod[] = [];
  // A type's module: prefer v2 (the current protocol) over the legacy root when a name exists in both.
  const moduleOf = new Map<string, string>();
  for (const file of [...files].sort(
    (a, b) => Number(b.startsWith('v2/')) - Number(a.startsWith('v2/')),
  )) {
    const name = path.basename(file, '.ts');
    if (!moduleOf.has(name))
      moduleOf.set(name, `./${file.replace(/\\/g, '/').replace(/\.ts$/, '.js')}`);
  }
  const pair = (
    entries: MethodEntry[],
    union: UnpairedMethod['union'],
  ): Array<[string, string | undefined]> =>
    entries.map(({ method, params }) => {
      const byRule = params.endsWith('Params')
        ? `${params.slice(0, -'Params'.length)}Response`
        : undefined;
      const response =
        RESPONSE_EXCEPTIONS[method] ?? (byRule && moduleOf.has(byRule) ? byRule : undefined);
      if (!response || !moduleOf.has(response)) {
        unpaired.push({ union, method, params });
        return [method, undefined];
      }
      return [method, response];
    });
  const client = pair(
    methodsOf(await readFile(path.join(root, 'ClientRequest.ts'), 'utf8'), 'ClientRequest'),
    'ClientRequest',
  );
  const server = pair(
    methodsOf(await readFile(path.join(root, 'ServerRequest.ts'), 'utf8'), 'ServerRequest'),
    'ServerRequest',
  );
  const names = [
    ...new Set([...client, ...server].flatMap(([, r]) => (r === undefined ? [] : [r]))),
  ].sort();
  // `unknown` keeps an unpaired method callable (its result must be narrowed) instead of absent.
  const entry = ([m, r]: [string, string | undefined]): string =>
    r === undefined
      ? `  /** No response type could be paired with this method by the generator. */\n  "${m}": unknown;`
      : `  "${m}": ${r};`;
  const lines = [
    HEADER,
    ...names.map((n) => `import type { ${n} } from "${moduleOf.get(n)!}";`),
    '',
    '/** The result type of each client request method. */',
    'export type ClientResponseByMethod = {',
    ...client.map(entry),
    '};',
    '',
    '/** The result type the client owes for each server request method. */',
    'export type ServerRequestResponseByMethod = {',
    ...server.map(entry),
    '};',
    '',
  ];
  await writeFile(path.join(root, 'MethodResponses.ts'), lines.join('\n'));
  return unpaired;
}

/** What a generation run produced besides the files. */
export interface GenerateResult {
  /** Methods typed `unknown` because no response type could be paired with them. */
  readonly unpaired: readonly UnpairedMethod[];
}

/** One line per unpaired method, for the console. */
export function describeUnpaired(unpaired: readonly UnpairedMethod[]): string[] {
  return unpaired.map(
    ({ union, method, params }) =>
      `generate-protocol: no response type for ${union} method "${method}" (params ${params}); ` +
      'typed `unknown` — add it to RESPONSE_EXCEPTIONS in scripts/generate-protocol.ts',
  );
}

/**
 * Runs the whole pipeline into `outDir` (replacing it).
 * @param codexPath - the binary to ask; defaults to `CODEX_RX_CODEX_PATH` or the bundled, pinned one.
 */
export async function generateProtocol(
  outDir: string = GENERATED_DIR,
  codexPath: string = resolveCodex().path,
): Promise<GenerateResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'codex-rx-generate-'));
  try {
    await execa(codexPath, ['app-server', 'generate-ts', '--experimental', '--out', work], {
      env: { RUST_LOG: 'error' },
    });
    const files = await listTsFiles(work);
    for (const file of files) await addJsExtensions(work, file);
    const unpaired = await writeMethodResponses(work, files);
    await rm(outDir, { recursive: true, force: true });
    await cp(work, outDir, { recursive: true });
    return { unpaired };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : GENERATED_DIR;
  const { unpaired } = await generateProtocol(out);
  for (const line of describeUnpaired(unpaired)) console.warn(line);
  console.log(`codex-rx: protocol types written to ${path.relative(process.cwd(), out) || out}`);
}
