/**
 * A scripted stand-in for the OpenAI Responses API: the one part of the stack the tests, the
 * offline demo and the benchmarks script. It listens on 127.0.0.1 (a free port), records every
 * request, and answers `POST …/responses` with server-sent events taken from a FIFO queue of
 * scripted replies, or from a responder function when the queue is empty.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One server-sent event; `type` is also the SSE `event:` name. */
export interface SseEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** What the server sends for one model request. */
export interface ScriptedReply {
  /** The events, in order. */
  readonly events: readonly SseEvent[];
  /** Pause before each event after the first, in ms. */
  readonly delayMs?: number;
  /** Keep the stream open after the last event until the client goes away or the server stops. */
  readonly hang?: boolean;
  /** Answer with this HTTP status and body instead of a stream. */
  readonly status?: number;
  readonly body?: string;
}

/** A request the server received. */
export class ModelRequest {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
    /** The parsed JSON body (`undefined` for GET). */
    readonly body: ResponsesBody | undefined,
  ) {}

  /** The `input` items of the request. */
  get input(): readonly InputItem[] {
    return this.body?.input ?? [];
  }

  /** Texts of the messages with `role`, in order. */
  messageTexts(role: 'user' | 'assistant' | 'developer' | 'system' = 'user'): string[] {
    return this.input
      .filter((item) => item.type === 'message' && item.role === role)
      .map((item) => (item.content ?? []).map((part) => part.text ?? '').join(''));
  }

  /** The last user message's text, or `''`. */
  lastUserText(): string {
    return this.messageTexts('user').at(-1) ?? '';
  }

  /** Outputs of earlier function calls that the agent sends back, in order. */
  functionCallOutputs(): Array<{ callId: string; output: unknown }> {
    return this.input
      .filter((item) => item.type === 'function_call_output')
      .map((item) => ({ callId: String(item.call_id), output: item.output }));
  }
}

/** The parts of a Responses API request body that tests look at. */
export interface ResponsesBody {
  readonly model?: string;
  readonly input?: readonly InputItem[];
  readonly tools?: readonly { readonly type?: string; readonly name?: string }[];
  readonly text?: unknown;
  readonly [key: string]: unknown;
}

/** An input item of a Responses API request. */
export interface InputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: readonly { readonly type?: string; readonly text?: string }[];
  readonly call_id?: string;
  readonly output?: unknown;
  readonly [key: string]: unknown;
}

/** Token counts reported in `response.completed`. */
export interface Usage {
  input?: number;
  output?: number;
  cached?: number;
  reasoning?: number;
}

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}_${++sequence}`;

/** Builders for the events of one output item. */
export const item = {
  /**
   * An assistant message streamed as text deltas.
   * @param chunks - how the text is split into deltas (default: about 3 deltas).
   */
  message(
    text: string,
    options: {
      phase?: 'commentary' | 'final_answer' | 'partial_answer';
      chunks?: readonly string[];
      id?: string;
    } = {},
  ): SseEvent[] {
    const id = options.id ?? nextId('msg');
    const chunks = options.chunks ?? splitText(text, 3);
    const phase = options.phase ? { phase: options.phase } : {};
    return [
      {
        type: 'response.output_item.added',
        item: { type: 'message', role: 'assistant', id, content: [], ...phase },
      },
      ...chunks.map((delta) => ({ type: 'response.output_text.delta', item_id: id, delta })),
      {
        type: 'response.output_item.done',
        item: {
          type: 'message',
          role: 'assistant',
          id,
          ...phase,
          content: [{ type: 'output_text', text }],
        },
      },
    ];
  },

  /**
   * A reasoning item whose summary streams as deltas (the turn shows a `reasoning` item with
   * `summary` parts).
   */
  reasoning(
    summary: string,
    options: { chunks?: readonly string[]; id?: string } = {},
  ): SseEvent[] {
    const id = options.id ?? nextId('rs');
    const chunks = options.chunks ?? splitText(summary, 2);
    return [
      { type: 'response.output_item.added', item: { type: 'reasoning', id, summary: [] } },
      {
        type: 'response.reasoning_summary_part.added',
        item_id: id,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      },
      ...chunks.map((delta) => ({
        type: 'response.reasoning_summary_text.delta',
        item_id: id,
        summary_index: 0,
        delta,
      })),
      {
        type: 'response.output_item.done',
        item: { type: 'reasoning', id, summary: [{ type: 'summary_text', text: summary }] },
      },
    ];
  },

  /** A function call by the model (`exec_command` with `{cmd}` makes the agent run a command). */
  functionCall(
    name: string,
    args: Record<string, unknown>,
    callId: string = nextId('call'),
  ): SseEvent[] {
    return [
      {
        type: 'response.output_item.done',
        item: {
          type: 'function_call',
          id: nextId('fc'),
          call_id: callId,
          name,
          arguments: JSON.stringify(args),
        },
      },
    ];
  },
};

/** Builders for whole replies. */
export const reply = {
  /** A response made of the given items, ending in `response.completed` with usage. */
  of(
    items: readonly SseEvent[][],
    options: { usage?: Usage; delayMs?: number; hang?: boolean } = {},
  ): ScriptedReply {
    const id = nextId('resp');
    const usage = options.usage ?? {};
    const input = usage.input ?? 10;
    const output = usage.output ?? 5;
    const events: SseEvent[] = [{ type: 'response.created', response: { id } }, ...items.flat()];
    if (!options.hang) {
      events.push({
        type: 'response.completed',
        response: {
          id,
          usage: {
            input_tokens: input,
            input_tokens_details: { cached_tokens: usage.cached ?? 0 },
            output_tokens: output,
            output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
            total_tokens: input + output,
          },
        },
      });
    }
    return {
      events,
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
      ...(options.hang ? { hang: true } : {}),
    };
  },

  /** One assistant message. */
  text(
    text: string,
    options: Parameters<typeof item.message>[1] & { usage?: Usage; delayMs?: number } = {},
  ): ScriptedReply {
    return reply.of([item.message(text, options)], options);
  },

  /** A model call of `exec_command`; the agent runs `cmd` and calls the model again with its output. */
  execCommand(cmd: string, extra: Record<string, unknown> = {}, callId?: string): ScriptedReply {
    return reply.of([item.functionCall('exec_command', { cmd, ...extra }, callId)]);
  },

  /**
   * A command the model asks to run outside the sandbox: with `approvalPolicy: 'on-request'` and
   * a `workspace-write` sandbox, the server asks the client for approval first
   * (`item/commandExecution/requestApproval`, whose `reason` is `justification`).
   */
  escalatedCommand(cmd: string, justification: string, callId?: string): ScriptedReply {
    return reply.execCommand(
      cmd,
      { sandbox_permissions: 'require_escalated', justification },
      callId,
    );
  },

  /** A call of any function (a dynamic tool, say). */
  functionCall(name: string, args: Record<string, unknown>, callId?: string): ScriptedReply {
    return reply.of([item.functionCall(name, args, callId)]);
  },

  /** `response.failed`: the turn fails with this message. */
  failed(message: string): ScriptedReply {
    const id = nextId('resp');
    return {
      events: [
        { type: 'response.created', response: { id } },
        { type: 'response.failed', response: { id, error: { code: 'server_error', message } } },
      ],
    };
  },

  /**
   * Starts a message, streams `text`, then keeps the stream open: the turn stays in progress until
   * it is interrupted (or steered, which makes the server call the model again).
   */
  hang(text = 'working'): ScriptedReply {
    const id = nextId('msg');
    return reply.of(
      [
        [
          {
            type: 'response.output_item.added',
            item: { type: 'message', role: 'assistant', id, content: [] },
          },
          { type: 'response.output_text.delta', item_id: id, delta: text },
        ],
      ],
      { hang: true },
    );
  },

  /** A plain HTTP error instead of a stream. */
  httpError(status: number, body = 'scripted error'): ScriptedReply {
    return { events: [], status, body };
  },
};

/** Chooses a reply for a request when the queue is empty. */
export type Responder = (request: ModelRequest) => ScriptedReply | Promise<ScriptedReply>;

/** Replies `echo: <last user message>`; handy for many concurrent threads. */
export const echoResponder: Responder = (request) => reply.text(`echo: ${request.lastUserText()}`);

const noScriptResponder: Responder = () =>
  reply.httpError(500, 'scripted model server: no scripted reply queued for this request');

/** Bounds a hanging stream so a forgotten test never keeps the process alive. */
const MAX_HANG_MS = 120_000;

/** The scripted model server. Dispose it (`await using`) or call `close()`. */
export class ScriptedModelServer implements AsyncDisposable {
  /** Every request received, in order (model calls and others such as `GET /models`). */
  readonly requests: ModelRequest[] = [];
  private readonly queue: ScriptedReply[] = [];
  private responder: Responder;
  private readonly open = new Set<ServerResponse>();
  private readonly hangTimers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    /** Base URL for `model_providers.<id>.base_url`, e.g. `http://127.0.0.1:41234/v1`. */
    readonly url: string,
    responder: Responder | undefined,
  ) {
    this.responder = responder ?? noScriptResponder;
  }

  /** Starts a server on 127.0.0.1 with a free port. */
  static async start(options: { responder?: Responder } = {}): Promise<ScriptedModelServer> {
    const holder: { instance?: ScriptedModelServer } = {};
    const server = createServer((req, res) => void holder.instance!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    holder.instance = new ScriptedModelServer(
      server,
      `http://127.0.0.1:${port}/v1`,
      options.responder,
    );
    return holder.instance;
  }

  /** Model calls only (`POST …/responses`). */
  get modelRequests(): ModelRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/responses'));
  }

  /** Queues replies, answered in order by the next model calls. */
  enqueue(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Sets what answers model calls once the queue is empty. */
  respondWith(responder: Responder): this {
    this.responder = responder;
    return this;
  }

  /** Resolves once `count` model calls have arrived; rejects after `timeoutMs`. */
  waitForModelRequests(count: number, timeoutMs = 20_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.modelRequests.length >= count) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `scripted model server: ${this.modelRequests.length} of ${count} model requests after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Ends open streams and stops listening. */
  async close(): Promise<void> {
    for (const timer of this.hangTimers) clearTimeout(timer);
    this.hangTimers.clear();
    for (const res of this.open) res.destroy();
    this.open.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `close()`, for `await using model = await ScriptedModelServer.start()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: ResponsesBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as ResponsesBody) : undefined;
    } catch {
      body = undefined;
    }
    const request = new ModelRequest(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    this.requests.push(request);
    for (const waiter of [...this.waiters]) waiter();

    if (request.method === 'GET' && request.path.split('?')[0]!.endsWith('/models')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ models: [] }));
      return;
    }
    if (request.method !== 'POST' || !request.path.endsWith('/responses')) {
      res.writeHead(404).end(`scripted model server: nothing at ${request.method} ${request.path}`);
      return;
    }
    const scripted = this.queue.shift() ?? (await this.responder(request));
    await this.stream(res, scripted);
  }

  private async stream(res: ServerResponse, scripted: ScriptedReply): Promise<void> {
    if (scripted.status !== undefined) {
      res.writeHead(scripted.status, { 'content-type': 'text/plain' }).end(scripted.body ?? '');
      return;
    }
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    for (const [index, event] of scripted.events.entries()) {
      if (index > 0 && scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (res.destroyed) return;
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    if (!scripted.hang) {
      res.end();
      return;
    }
    const timer = setTimeout(() => res.destroy(), MAX_HANG_MS);
    timer.unref();
    this.hangTimers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      this.hangTimers.delete(timer);
    });
  }
}

function splitText(text: string, parts: number): string[] {
  if (text.length <= 1) return [text];
  const size = Math.ceil(text.length / parts);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
