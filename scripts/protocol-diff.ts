/**
 * Compares two generated protocol trees (`src/protocol/generated/` before and after a
 * regeneration) and writes the `docs/protocol-changes.md` entry: methods, notifications and server
 * requests added or removed, types added or removed, and types whose shape changed (comments and
 * whitespace ignored). Used by scripts/upgrade-codex.ts; runs alone too:
 *
 *   tsx scripts/protocol-diff.ts OLD_DIR NEW_DIR FROM_VERSION TO_VERSION [--write]
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the entries go, newest first. */
export const CHANGES_FILE = fileURLToPath(new URL('../docs/protocol-changes.md', import.meta.url));

const UNIONS = {
  'Client requests': 'ClientRequest.ts',
  'Server notifications': 'ServerNotification.ts',
  'Server requests': 'ServerRequest.ts',
  'Client notifications': 'ClientNotification.ts',
} as const;

/** Written by the generator itself, not by the binary: not protocol types. */
const NOT_TYPES = new Set(['MethodResponses', 'index']);

async function typeFiles(root: string, dir = root): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const [k, v] of await typeFiles(root, full)) out.set(k, v);
    } else if (entry.name.endsWith('.ts') && !NOT_TYPES.has(path.basename(entry.name, '.ts'))) {
      out.set(
        path.relative(root, full).replace(/\\/g, '/').replace(/\.ts$/, ''),
        await readFile(full, 'utf8'),
      );
    }
  }
  return out;
}

/** The declaration with comments, imports and whitespace removed: what "shape" compares. */
function shapeOf(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/^import[^\n]*$/gm, '')
    .replace(/\s+/g, '');
}

/** Property names declared in the type (any depth): a rough guide to what moved. */
function fieldsOf(shape: string): Set<string> {
  return new Set([...shape.matchAll(/[{,(]"?([A-Za-z_$][\w$]*)"?\??:/g)].map((m) => m[1]!));
}

/** String literals the type admits (enum values, discriminants). */
function literalsOf(shape: string): Set<string> {
  return new Set(
    [...shape.matchAll(/"((?:[^"\\]|\\.)*)"(:?)/g)].filter((m) => !m[2]).map((m) => m[1]!),
  );
}

const UNION_TYPES: ReadonlySet<string> = new Set(
  Object.values(UNIONS).map((f) => f.replace(/\.ts$/, '')),
);

function methodsIn(source: string): Set<string> {
  return new Set([...source.matchAll(/"method": "([^"]+)"/g)].map((m) => m[1]!));
}

async function readIfThere(file: string): Promise<string> {
  return existsSync(file) ? readFile(file, 'utf8') : '';
}

const added = <T>(before: Set<T>, after: Set<T>): T[] => [...after].filter((x) => !before.has(x));
const code = (s: string): string => `\`${s}\``;

/** The markdown entry for the change from `oldDir` to `newDir`. */
export async function protocolChangesEntry(
  oldDir: string,
  newDir: string,
  from: string,
  to: string,
): Promise<string> {
  const lines = [`## ${from} → ${to}`, ''];
  for (const [title, file] of Object.entries(UNIONS)) {
    const before = methodsIn(await readIfThere(path.join(oldDir, file)));
    const after = methodsIn(await readIfThere(path.join(newDir, file)));
    const plus = added(before, after).sort();
    const minus = added(after, before).sort();
    if (!plus.length && !minus.length) continue;
    lines.push(`### ${title}`, '');
    for (const m of plus) lines.push(`- added ${code(m)}`);
    for (const m of minus) lines.push(`- removed ${code(m)}`);
    lines.push('');
  }
  const before = await typeFiles(oldDir);
  const after = await typeFiles(newDir);
  const plus = added(new Set(before.keys()), new Set(after.keys())).sort();
  const minus = added(new Set(after.keys()), new Set(before.keys())).sort();
  const changed: string[] = [];
  let docsOnly = 0;
  for (const [name, source] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const old = before.get(name);
    if (old === undefined || old === source) continue;
    const [o, n] = [shapeOf(old), shapeOf(source)];
    if (o === n) {
      docsOnly++;
      continue;
    }
    const [of, nf] = [fieldsOf(o), fieldsOf(n)];
    const moved = [...added(of, nf).map((f) => `+${f}`), ...added(nf, of).map((f) => `−${f}`)].join(
      ', ',
    );
    const [ol, nl] = [literalsOf(o), literalsOf(n)];
    const values = UNION_TYPES.has(name)
      ? ''
      : [...added(ol, nl).map((v) => `+"${v}"`), ...added(nl, ol).map((v) => `−"${v}"`)].join(', ');
    const notes = [moved && `fields ${moved}`, values && `values ${values}`].filter(Boolean);
    changed.push(`- ${code(name)}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  if (plus.length || minus.length) {
    lines.push('### Types added or removed', '');
    if (plus.length) lines.push(`- added: ${plus.map(code).join(', ')}`);
    if (minus.length) lines.push(`- removed: ${minus.map(code).join(', ')}`);
    lines.push('');
  }
  if (changed.length) {
    lines.push('### Types whose shape changed', '', ...changed, '');
  }
  if (docsOnly) lines.push(`${docsOnly} more types changed only in their doc comments.`, '');
  if (lines.length === 2) lines.push('No protocol changes.', '');
  return lines.join('\n');
}

const PREAMBLE =
  '# Protocol changes between pinned codex releases\n\n' +
  'Computed by `npm run upgrade-codex` (scripts/protocol-diff.ts) from the generated types before\n' +
  'and after each upgrade, newest first; not written by hand. What it means for users is in\n' +
  '`CHANGELOG.md`.\n\n';

/** Puts `entry` first in docs/protocol-changes.md, replacing an entry with the same heading. */
export async function prependEntry(entry: string, file: string = CHANGES_FILE): Promise<void> {
  const current = await readIfThere(file);
  const heading = entry.split('\n', 1)[0]!;
  const body = current.startsWith('# ') ? current.slice(current.indexOf('\n## ') + 1) : current;
  const entries = body.includes('## ') ? body.split(/^(?=## )/m) : [];
  const kept = entries.filter((e) => e.split('\n', 1)[0] !== heading && e.startsWith('## '));
  await writeFile(file, PREAMBLE + [entry.trimEnd() + '\n', ...kept].join('\n'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [oldDir, newDir, from, to] = process.argv.slice(2);
  if (!oldDir || !newDir || !from || !to) {
    console.error('usage: tsx scripts/protocol-diff.ts OLD_DIR NEW_DIR FROM TO [--write]');
    process.exit(2);
  }
  const entry = await protocolChangesEntry(oldDir, newDir, from, to);
  if (process.argv.includes('--write')) {
    await prependEntry(entry);
    console.log(`protocol-diff: ${from} → ${to} written to docs/protocol-changes.md`);
  } else {
    console.log(entry);
  }
}
