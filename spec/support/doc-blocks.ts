/** The ```ts blocks of the README and docs/ (not the generated API reference), with where they are. */
import { readFile, readdir } from 'node:fs/promises';

export interface DocBlock {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

export async function docBlocks(): Promise<DocBlock[]> {
  const files = [
    'README.md',
    ...(await readdir('docs'))
      .filter((f) => f.endsWith('.md') && f !== 'api-reference.md')
      .map((f) => `docs/${f}`),
  ];
  const found: DocBlock[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      found.push({
        file,
        line: text.slice(0, match.index).split('\n').length + 1,
        code: match[1]!,
      });
    }
  }
  return found;
}
