/**
 * The README and docs/ ship in the package, without the rest of the repository: a relative link
 * from them to examples/, bench/ or src/ leads nowhere on npm's page or in node_modules. Every
 * relative link must stay among the shipped files and reach a file that exists, and its
 * `#fragment` a heading there; the rest of the repository is linked by its full URL.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** What `files` in package.json ships besides dist/. */
const SHIPPED = ['README.md', 'LICENSE', 'docs'];

/**
 * Anchors inside the generated API reference are typedoc's own (it numbers a name it has seen
 * twice, `#threadstate-1`, with one heading), checked by nothing here.
 */
const GENERATED = new Set(['docs/api-reference.md']);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return found;
}

async function shippedMarkdown(): Promise<string[]> {
  const docs = (await readdir('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

describe('links in the shipped README and docs', () => {
  it('are full URLs, or relative links to a shipped file (and heading) that exists', async () => {
    const broken: string[] = [];
    const files = await shippedMarkdown();
    expect(files.length).toBeGreaterThan(5);
    let relative = 0;
    for (const file of files) {
      const text = (await readFile(file, 'utf8')).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        relative += 1;
        const [where, fragment] = target!.split('#') as [string, string | undefined];
        const resolved = where ? path.normalize(path.join(path.dirname(file), where)) : file;
        const top = resolved.split(path.sep)[0]!;
        if (!SHIPPED.includes(top)) {
          broken.push(`${file}: ${target} is outside the package (link the repository instead)`);
        } else if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} does not exist`);
        } else if (fragment && resolved.endsWith('.md') && !(where === '' && GENERATED.has(file))) {
          if (!anchors(await readFile(resolved, 'utf8')).has(fragment))
            broken.push(`${file}: ${target} has no heading #${fragment}`);
        }
      }
    }
    expect(relative).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  });

  it('name the repository in package.json, which the full URLs point into', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      repository?: { url?: string };
      homepage?: string;
      bugs?: { url?: string };
    };
    const repo = /^git\+(https:\/\/github\.com\/[^/]+\/[^/.]+)\.git$/.exec(
      pkg.repository?.url ?? '',
    )?.[1];
    expect(repo).toBeDefined();
    expect(pkg.homepage).toBe(`${repo}#readme`);
    expect(pkg.bugs?.url).toBe(`${repo}/issues`);
    const urls: string[] = [];
    for (const file of await shippedMarkdown()) {
      const text = await readFile(file, 'utf8');
      urls.push(...[...text.matchAll(/\]\((https:\/\/github\.com\/[^)\s]+)\)/g)].map((m) => m[1]!));
    }
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((url) => !url.startsWith(`${repo!}/`))).toEqual([]);
  });
});
