/**
 * `codex-rx/state` is for front ends too: bundled for the browser it must pull in nothing from
 * Node (no `node:*` built-in, no `execa`, no `vscode-jsonrpc/node`), or a page could not load it.
 */
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { builtinModules } from 'node:module';

const NODE_ONLY = /^(node:|execa$|vscode-jsonrpc|ws$)/;

/** Records every import that only Node can satisfy, and keeps it out of the bundle. */
function recordNodeImports(found: string[]): Plugin {
  return {
    name: 'record-node-imports',
    setup(plugin) {
      plugin.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '');
        if (NODE_ONLY.test(args.path) || builtinModules.includes(bare)) {
          found.push(`${args.path} (from ${args.importer})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

async function bundleForBrowser(entry: string): Promise<{ nodeImports: string[]; bytes: number }> {
  const nodeImports: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [recordNodeImports(nodeImports)],
  });
  return { nodeImports, bytes: result.outputFiles[0]!.contents.length };
}

describe('the browser-safe entry point', () => {
  it('codex-rx/state bundles for the browser without a single Node import', async () => {
    const { nodeImports, bytes } = await bundleForBrowser('src/state/index.ts');
    expect(nodeImports).toEqual([]);
    expect(bytes).toBeGreaterThan(1000);
  });

  it('the check catches a Node import (the SDK root does pull them in)', async () => {
    const { nodeImports } = await bundleForBrowser('src/index.ts');
    expect(nodeImports.length).toBeGreaterThan(0);
  });
});
