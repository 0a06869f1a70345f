/**
 * The baseline: the least a client can do to drive `codex app-server` — spawn it, write JSON
 * lines, read lines with readline and JSON.parse them. No library, no routing, no checks.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
};

export class RawClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly pending = new Map<number, (message: Message) => void>();
  private readonly listeners = new Set<(message: Message) => void>();

  constructor(binary: string, env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(binary, ['app-server'], { env, cwd, stdio: 'pipe' });
    this.child.stderr.resume();
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as Message;
      if (message.id !== undefined && message.method === undefined)
        this.pending.get(message.id)?.(message);
      else for (const listener of this.listeners) listener(message);
    });
  }

  request(method: string, params: unknown): Promise<Message> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (message) => {
        this.pending.delete(id);
        resolve(message);
      });
      this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  notify(method: string): void {
    this.child.stdin.write(`${JSON.stringify({ method })}\n`);
  }

  /** Resolves with the first notification that matches. */
  waitFor(match: (message: Message) => boolean): Promise<Message> {
    return new Promise((resolve) => {
      const listener = (message: Message): void => {
        if (!match(message)) return;
        this.listeners.delete(listener);
        resolve(message);
      };
      this.listeners.add(listener);
    });
  }

  async initialize(): Promise<void> {
    await this.request('initialize', {
      clientInfo: { name: 'raw_bench', title: null, version: '0' },
      capabilities: { experimentalApi: true },
    });
    this.notify('initialized');
  }

  /** One turn: turn/start, then wait for this turn's turn/completed. */
  async turn(threadId: string, text: string): Promise<void> {
    const completed = new Promise<void>((resolve) => {
      let turnId: string | undefined;
      const early: Message[] = [];
      const listener = (message: Message): void => {
        if (message.method !== 'turn/completed') return;
        const id = (message.params?.turn as { id?: string } | undefined)?.id;
        if (turnId === undefined) early.push(message);
        else if (id === turnId) {
          this.listeners.delete(listener);
          resolve();
        }
      };
      this.listeners.add(listener);
      void this.request('turn/start', {
        threadId,
        input: [{ type: 'text', text, text_elements: [] }],
      }).then((response) => {
        turnId = (response.result as { turn: { id: string } }).turn.id;
        if (early.some((m) => (m.params?.turn as { id?: string } | undefined)?.id === turnId)) {
          this.listeners.delete(listener);
          resolve();
        }
      });
    });
    await completed;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
      this.child.kill('SIGTERM');
    });
  }
}
