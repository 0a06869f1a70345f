/**
 * Build step after `tsc`: ships the generated protocol types as one declaration bundle instead of
 * a `.d.ts` and an empty `.js` per type (≈1,900 of the tarball's files).
 *
 * src/protocol/generated/ stays one file per type (what `codex app-server generate-ts` writes and
 * the drift test compares); only dist changes:
 * - `dist/protocol/types.d.ts`: every generated type declaration, v2 and root, in one module (the
 *   flat surface `src/protocol/types.ts` describes: where root and v2 share a name, v2 wins; the
 *   root one is kept under a private name for the root types that use it), plus the `v2` namespace;
 * - `dist/protocol/v2.d.ts`: the v2 names, for that namespace;
 * - `dist/protocol/method-responses.d.ts`: the method → response maps `methods.d.ts` uses;
 * - every other `.d.ts` in dist that pointed into `protocol/generated/` points at these instead,
 *   and `dist/protocol/generated/` is removed.
 * The generated types are all type-only, so no JavaScript is lost. A reference this step cannot
 * map fails the build rather than ship a dangling import.
 *
 * Why a step of our own rather than a general .d.ts bundler: the generated tree is flat type
 * aliases with one `import type` per line, so a merge is mechanical; general bundlers bundle each
 * entry point separately (duplicating the classes the four entry points share) or need the whole
 * declaration graph rewritten.
 *
 * Usage: `tsx scripts/bundle-protocol-dts.ts [DIST_DIR]` (run by `npm run build`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = path.join(ROOT, 'src/protocol/generated');
/** Generator-written modules handled apart from the type files. */
const SPECIAL = new Set(['index', 'v2/index', 'MethodResponses']);

async function walk(dir: string, ext: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full, ext, base)));
    else if (entry.name.endsWith(ext)) out.push(path.relative(base, full).replace(/\\/g, '/'));
  }
  return out.sort();
}

const IMPORT = /^import type \{ ([A-Za-z0-9_$]+) \} from "([^"]+)";$/;

interface TypeModule {
  /** `v2/Foo` or `Foo`, relative to the generated root, without extension. */
  readonly key: string;
  readonly name: string;
  /** Local name → key of the module it comes from. */
  readonly imports: Map<string, string>;
  /** The declaration, without imports and generator comments. */
  readonly body: string;
}

function keyOf(fromKey: string, specifier: string): string {
  return path.posix
    .normalize(path.posix.join(path.posix.dirname(fromKey), specifier))
    .replace(/\.js$/, '')
    .replace(/\/index$/, '/index');
}

async function readModules(): Promise<Map<string, TypeModule>> {
  const modules = new Map<string, TypeModule>();
  for (const file of await walk(SOURCE, '.ts')) {
    const key = file.replace(/\.ts$/, '');
    if (SPECIAL.has(key)) continue;
    const imports = new Map<string, string>();
    const body: string[] = [];
    for (const line of (await readFile(path.join(SOURCE, file), 'utf8')).split('\n')) {
      const match = IMPORT.exec(line);
      if (match) imports.set(match[1]!, keyOf(key, match[2]!));
      else if (line.startsWith('import ')) throw new Error(`bundle-protocol-dts: ${file}: ${line}`);
      else if (!/^\/\/ (GENERATED CODE|This file was generated|Written by)/.test(line))
        body.push(line);
    }
    modules.set(key, {
      key,
      name: path.posix.basename(key),
      imports,
      body: body.join('\n').trim(),
    });
  }
  return modules;
}

/** Each module's name in the bundle: its own, or, for a root type shadowed by v2, a private one. */
function bundleNames(modules: Map<string, TypeModule>): Map<string, string> {
  const v2 = new Set(
    [...modules.values()].filter((m) => m.key.startsWith('v2/')).map((m) => m.name),
  );
  const names = new Map<string, string>();
  for (const m of modules.values())
    names.set(m.key, !m.key.startsWith('v2/') && v2.has(m.name) ? `Root$${m.name}` : m.name);
  return names;
}

function renamed(source: string, from: string, to: string): string {
  // Type names only: not inside string literals, not a property key.
  return source.replace(
    new RegExp(`(?<![\\w$."])${from.replace(/\$/g, '\\$')}(?![\\w$"]|\\??:)`, 'g'),
    to,
  );
}

function bundle(modules: Map<string, TypeModule>, names: Map<string, string>): string {
  const parts: string[] = [
    '// GENERATED CODE! DO NOT MODIFY BY HAND!',
    '// The codex app-server protocol types (src/protocol/generated/), bundled into one module by',
    '// scripts/bundle-protocol-dts.ts.',
    '',
  ];
  for (const m of [...modules.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    let body = m.body;
    for (const [local, key] of m.imports) {
      const target = names.get(key);
      if (!target)
        throw new Error(`bundle-protocol-dts: ${m.key} imports ${key}, which is not a type module`);
      if (target !== local) body = renamed(body, local, target);
    }
    const own = names.get(m.key)!;
    if (own !== m.name) {
      body = renamed(body, m.name, own).replace(`export type ${own}`, `type ${own}`);
    }
    if (!body.includes(`type ${own}`))
      throw new Error(`bundle-protocol-dts: ${m.key} declares no ${own}`);
    parts.push(body, '');
  }
  parts.push("export type * as v2 from './v2.js';", '');
  return parts.join('\n');
}

/** Where a dist `.d.ts` specifier into `protocol/generated/` goes, with any name changes. */
function mapSpecifier(
  distDir: string,
  file: string,
  specifier: string,
  names: Map<string, string>,
): { specifier: string; key: string } | undefined {
  const target = path.resolve(path.dirname(path.join(distDir, file)), specifier);
  const generated = path.join(distDir, 'protocol', 'generated');
  if (!target.startsWith(generated + path.sep)) return undefined;
  const key = path.relative(generated, target).replace(/\\/g, '/').replace(/\.js$/, '');
  const bundleFile =
    key === 'v2/index' ? 'v2.js' : key === 'MethodResponses' ? 'method-responses.js' : 'types.js';
  if (!SPECIAL.has(key) && names.get(key) !== path.posix.basename(key)) {
    throw new Error(`bundle-protocol-dts: ${file} uses ${key}, which the bundle renames`);
  }
  let rel = path
    .relative(path.dirname(path.join(distDir, file)), path.join(distDir, 'protocol', bundleFile))
    .replace(/\\/g, '/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return { specifier: rel, key };
}

export async function bundleProtocolDts(
  distDir: string,
): Promise<{ before: number; after: number }> {
  const generatedDist = path.join(distDir, 'protocol', 'generated');
  if (!existsSync(generatedDist))
    throw new Error(`bundle-protocol-dts: no ${generatedDist}; run tsc first`);
  const before = (await walk(distDir, '')).length;
  const modules = await readModules();
  const names = bundleNames(modules);

  await writeFile(path.join(distDir, 'protocol', 'types.d.ts'), bundle(modules, names));
  const v2 = [...modules.values()].filter((m) => m.key.startsWith('v2/')).map((m) => m.name);
  await writeFile(
    path.join(distDir, 'protocol', 'v2.d.ts'),
    `// The v2 protocol types, as a namespace of ./types.js.\nexport type {\n${v2.map((n) => `  ${n},`).join('\n')}\n} from './types.js';\n`,
  );
  const responses = (await readFile(path.join(SOURCE, 'MethodResponses.ts'), 'utf8'))
    .split('\n')
    .filter((l) => !l.startsWith('import '));
  const used = [...modules.values()]
    .map((m) => names.get(m.key)!)
    .filter((n) => responses.some((l) => new RegExp(`: ${n.replace(/\$/g, '\\$')};$`).test(l)));
  await writeFile(
    path.join(distDir, 'protocol', 'method-responses.d.ts'),
    [`import type { ${used.join(', ')} } from './types.js';`, ...responses].join('\n'),
  );

  // types.ts is replaced by the bundle (same exports); its old .d.ts and .js pointed into generated/.
  for (const file of await walk(distDir, '.d.ts')) {
    if (
      file.startsWith('protocol/generated/') ||
      /^protocol\/(types|v2|method-responses)\.d\.ts$/.test(file)
    )
      continue;
    const full = path.join(distDir, file);
    const source = await readFile(full, 'utf8');
    const rewritten = source.replace(
      /(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\2/g,
      (whole, lead: string, quote: string, specifier: string) => {
        const mapped = mapSpecifier(distDir, file, specifier, names);
        return mapped ? `${lead}${quote}${mapped.specifier}${quote}` : whole;
      },
    );
    if (rewritten !== source) await writeFile(full, rewritten);
  }
  await rm(generatedDist, { recursive: true, force: true });
  for (const file of await walk(distDir, '.d.ts')) {
    const text = await readFile(path.join(distDir, file), 'utf8');
    if (/(from\s+|import\()["'][^"']*\/generated\//.test(text))
      throw new Error(`bundle-protocol-dts: ${file} still points into protocol/generated/`);
  }
  return { before, after: (await walk(distDir, '')).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
  const { before, after } = await bundleProtocolDts(dist);
  console.log(`bundle-protocol-dts: ${before} files in ${path.relative(ROOT, dist)} → ${after}`);
}
