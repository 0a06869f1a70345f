/**
 * `npm run example -- NAME [--offline]`: runs examples/NAME.ts. Without a name, lists them.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const folder = fileURLToPath(new URL('../examples/', import.meta.url));
const names = (await readdir(folder))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv.slice(2).find((arg) => !arg.startsWith('--'));

if (!name || !names.includes(name)) {
  if (name) console.error(`No example named "${name}".`);
  console.error(`Usage: npm run example -- NAME [--offline]\nExamples: ${names.join(', ')}`);
  console.error(
    'Add --offline (or CODEX_RX_OFFLINE=1) to run against the scripted model, with no account.',
  );
  process.exit(name ? 1 : 0);
}
await import(pathToFileURL(`${folder}${name}.ts`).href);
