import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';

/** The stdout chunk size a pipe delivers. */
export const CHUNK = 64 * 1024;

/** JSONL bytes of the given messages. */
export function jsonl(messages: Iterable<unknown>): Buffer {
  const parts: string[] = [];
  for (const message of messages) parts.push(JSON.stringify(message));
  return Buffer.from(`${parts.join('\n')}\n`);
}

/** Writes `bytes` in pipe-sized chunks (to a pipe, or a peer's raw socket). */
export function writeChunked(stream: { write(chunk: Buffer): unknown }, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    stream.write(bytes.subarray(offset, offset + CHUNK));
}

/** The bare baseline: readline + JSON.parse over the same bytes; resolves with ms to parse them all. */
export function bareLoop(bytes: Buffer, lines: number): Promise<number> {
  return new Promise((resolve) => {
    const input = new PassThrough();
    let seen = 0;
    let sink = 0;
    const started = performance.now();
    createInterface({ input }).on('line', (line) => {
      const message = JSON.parse(line) as { method?: string };
      sink += message.method?.length ?? 0;
      if (++seen === lines) resolve(performance.now() - started + sink * 0);
    });
    writeChunked(input, bytes);
  });
}

/** A delta notification as the server sends it. */
export function delta(threadId: string, turnId: string, n: number): unknown {
  return {
    method: 'item/agentMessage/delta',
    params: { threadId, turnId, itemId: `msg_${turnId}`, delta: `token${n % 100} ` },
    emittedAtMs: 1_700_000_000_000 + n,
  };
}

/** `turn/completed` as the server sends it. */
export function turnCompleted(threadId: string, turnId: string): unknown {
  return {
    method: 'turn/completed',
    params: {
      threadId,
      turn: {
        id: turnId,
        items: [],
        status: 'completed',
        error: null,
        startedAt: 1,
        completedAt: 2,
        durationMs: 1000,
      },
    },
    emittedAtMs: 1_700_000_000_000,
  };
}
