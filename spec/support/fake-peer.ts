/**
 * An in-process stand-in for the app-server at the wire level: tests script exact message
 * sequences (orderings, malformed lines, crashes) that the real server will not produce on demand.
 * The client side is a real {@link Transport} over in-memory streams with the real JSONL reader and
 * writer, so everything above the bytes is exercised unchanged.
 */
import { PassThrough } from 'node:stream';
import { Emitter } from 'vscode-jsonrpc/node';
import type { Disposable } from 'vscode-jsonrpc/node';
import type { CodexError } from '../../src/errors/codex-error.js';
import { CodexProcessError } from '../../src/errors/codex-process-error.js';
import { JsonlMessageReader } from '../../src/transport/jsonl-message-reader.js';
import { JsonlMessageWriter } from '../../src/transport/jsonl-message-writer.js';
import type { Transport } from '../../src/transport/transport.js';

/** A message the client sent. */
export interface SentMessage {
  readonly id?: number | string;
  readonly method?: string;
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: { code: number; message: string; data?: unknown };
  readonly [key: string]: unknown;
}

/** What a scripted request handler returns: a result, or an error to answer with. */
export type PeerReply =
  { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/** The initialize result the fake peer gives by default. */
export const FAKE_METADATA = {
  userAgent: 'fake_peer/0.0.0 (test)',
  codexHome: '/tmp/fake-codex-home',
  platformFamily: 'unix',
  platformOs: 'linux',
};

class FakeTransport implements Transport {
  readonly reader: JsonlMessageReader;
  readonly writer: JsonlMessageWriter;
  readonly closeEmitter = new Emitter<CodexError | undefined>();
  closed = false;
  constructor(
    readonly toClient: PassThrough,
    readonly fromClient: PassThrough,
    private readonly onClientClose: () => void,
  ) {
    this.reader = new JsonlMessageReader(toClient);
    this.writer = new JsonlMessageWriter(fromClient);
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClientClose();
    await endStream(this.toClient);
    this.closeEmitter.fire(undefined);
  }
  onClose(listener: (error: CodexError | undefined) => void): Disposable {
    return this.closeEmitter.event(listener);
  }
  describe(): string {
    return 'fake peer';
  }
}

function endStream(stream: PassThrough): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.end();
    stream.resume();
  });
}

/** The fake server. */
export class FakePeer {
  /** Every message the client sent, in order. */
  readonly received: SentMessage[] = [];
  readonly transport: FakeTransport;
  private readonly handlers = new Map<
    string,
    (params: unknown, message: SentMessage) => PeerReply | Promise<PeerReply> | undefined
  >();
  private readonly waiters: Array<{
    match: (m: SentMessage) => boolean;
    resolve: (m: SentMessage) => void;
  }> = [];
  private nextServerRequestId = 0;
  private readonly serverRequests = new Map<number | string, (message: SentMessage) => void>();

  constructor() {
    const toClient = new PassThrough();
    const fromClient = new PassThrough();
    this.transport = new FakeTransport(toClient, fromClient, () => fromClient.end());
    const peerReader = new JsonlMessageReader(fromClient);
    peerReader.listen((message) => void this.onMessage(message));
    this.handle('initialize', () => ({ result: FAKE_METADATA }));
    // Asked once before the first turn (the client's sign-in check).
    this.handle('account/read', () => ({
      result: { account: null, userId: null, requiresOpenaiAuth: false, workspaceRouting: null },
    }));
  }

  /** Scripts the answer to a client request method. Returning `undefined` leaves it unanswered. */
  handle(
    method: string,
    handler: (params: unknown, message: SentMessage) => PeerReply | Promise<PeerReply> | undefined,
  ): this {
    this.handlers.set(method, handler);
    return this;
  }

  /** Resolves with the next client message (already received or future) that matches. */
  next(match: string | ((m: SentMessage) => boolean)): Promise<SentMessage> {
    const test = typeof match === 'string' ? (m: SentMessage) => m.method === match : match;
    const seen = this.received.find((m) => test(m) && !this.taken.has(m));
    if (seen) {
      this.taken.add(seen);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.waiters.push({ match: test, resolve }));
  }
  private readonly taken = new Set<SentMessage>();

  /** Writes a raw string to the client, exactly as given. */
  sendRaw(text: string): void {
    // Like a real server's, output after the transport ended goes nowhere.
    if (this.transport.toClient.writableEnded) return;
    this.transport.toClient.write(text);
  }

  /** Sends any message object as one line. */
  send(message: Record<string, unknown>): void {
    this.sendRaw(`${JSON.stringify(message)}\n`);
  }

  /** Sends a notification (with `emittedAtMs`, like the real server). */
  notify(
    method: string,
    params: unknown,
    extra: Record<string, unknown> = { emittedAtMs: Date.now() },
  ): void {
    this.send({ method, params, ...extra });
  }

  /** Answers a client request. */
  respond(id: number | string | undefined, result: unknown): void {
    this.send({ id, result });
  }

  /** Answers a client request with an error. */
  respondError(
    id: number | string | undefined,
    code: number,
    message: string,
    data?: unknown,
  ): void {
    this.send({ id, error: { code, message, ...(data === undefined ? {} : { data }) } });
  }

  /** Sends a server→client request and resolves with the client's response message. */
  request(
    method: string,
    params: unknown,
    id: number | string = this.nextServerRequestId++,
  ): Promise<SentMessage> {
    return new Promise((resolve) => {
      this.serverRequests.set(id, resolve);
      this.send({ id, method, params });
    });
  }

  /** Ends the stream as if the process exited on its own, after what was written so far is read. */
  async crash(
    exit: { exitCode?: number | null; signal?: string | null; stderr?: string[] } = {},
  ): Promise<void> {
    if (this.transport.closed) return;
    this.transport.closed = true;
    await endStream(this.transport.toClient);
    this.transport.closeEmitter.fire(
      new CodexProcessError('the Codex app-server process exited unexpectedly', {
        exitCode: exit.exitCode ?? null,
        signal: 'signal' in exit ? (exit.signal ?? null) : 'SIGKILL',
        stderrTail: exit.stderr ?? [],
      }),
    );
  }

  private async onMessage(message: SentMessage): Promise<void> {
    this.received.push(message);
    if (message.method === undefined && message.id !== undefined) {
      const pending = this.serverRequests.get(message.id);
      if (pending) {
        this.serverRequests.delete(message.id);
        pending(message);
      }
    }
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      this.taken.add(message);
      waiter.resolve(message);
    }
    if (message.method === undefined || message.id === undefined) return;
    const handler = this.handlers.get(message.method);
    if (!handler) return;
    const reply = await handler(message.params, message);
    if (!reply) return;
    if ('error' in reply)
      this.respondError(message.id, reply.error.code, reply.error.message, reply.error.data);
    else this.respond(message.id, reply.result);
  }
}
