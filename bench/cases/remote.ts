/**
 * Case 8: transports. The same client over stdio, WebSocket (TCP, capability token) and
 * WebSocket over a unix socket:
 * - conversation: 20 turns on one thread of the real app-server, each transport in rotating
 *   order, fresh server and home each time;
 * - throughput: one turn's 200,000 deltas from an in-process peer as fast as the transport
 *   takes them (stdio: the in-memory JSONL pipe; WebSocket: one frame per message on a socket to
 *   127.0.0.1 or a unix socket, pre-encoded and written in 64 KiB chunks as the stdio bytes are,
 *   so that the peer's own framing cost is not counted against the client), and a bare `ws`
 *   client reading the same bytes: the ceiling over WebSocket, which the target compares with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Codex, startListener } from '../../src/index.js';
import type { RemoteOptions } from '../../src/index.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, reply } from '../../src/testing/scripted-model-server.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { inMemoryClient } from '../support/in-memory-client.js';
import { formatSummary, settleHeap, summarize } from '../support/stats.js';
import type { Summary } from '../support/stats.js';
import { delta, jsonl, turnCompleted, writeChunked } from '../support/wire.js';
import { turnObject } from '../../spec/support/turn-fixtures.js';
import { answerHandshake, rawWebSocketPeer } from '../../spec/support/raw-websocket-peer.js';
import { frame } from '../../spec/support/websocket-frame.js';

type Via = 'stdio' | 'ws' | 'unix';
const VIAS: readonly Via[] = ['stdio', 'ws', 'unix'];

async function conversationMs(
  via: Via,
  model: ScriptedModelServer,
  turns: number,
): Promise<number> {
  const home = await createCodexHome({ modelUrl: model.url });
  const server = { codexHome: home.path, env: home.env, cwd: home.workspace };
  const listener = via === 'stdio' ? undefined : await startListener({ ...server, listen: via });
  const codex = listener ? await Codex.connect(listener.connectOptions) : await Codex.start(server);
  try {
    const thread = await codex.startThread();
    const started = performance.now();
    for (let i = 0; i < turns; i++) await thread.run(`turn ${i}`);
    return performance.now() - started;
  } finally {
    await codex.close();
    await listener?.close();
    await home.cleanup();
  }
}

/**
 * A WebSocket peer on 127.0.0.1 or a unix socket (spec/support/raw-websocket-peer: the upgrade
 * by hand on `node:net`) that answers the handshake, one thread and one turn, then writes
 * `frames`, pre-encoded, in pipe-sized chunks (as the stdio case writes its bytes): what is
 * measured is the client, not this peer.
 */
async function wsPeer(
  frames: readonly string[],
  via: 'ws' | 'unix',
): Promise<{ target: RemoteOptions; close(): Promise<void> }> {
  const wire = Buffer.concat(frames.map((text) => frame(0x81, text)));
  const dir = via === 'unix' ? await mkdtemp(path.join(tmpdir(), 'codex-rx-bench-')) : undefined;
  const peer = await rawWebSocketPeer({
    ...(dir ? { socketPath: path.join(dir, 'peer.sock') } : {}),
    onConnection: (connection) =>
      void answerHandshake(connection, (message) => {
        if (message.method === 'thread/start')
          return { thread: { id: 'th-0', status: { type: 'idle' } } };
        if (message.method !== 'turn/start') return {};
        setImmediate(() => writeChunked(connection.socket, wire));
        return { turn: turnObject('tu-0', 'inProgress') };
      }),
  });
  const target: RemoteOptions = peer.socketPath
    ? { socketPath: peer.socketPath, heartbeatIntervalMs: false }
    : { url: peer.url!, heartbeatIntervalMs: false };
  return {
    target,
    close: async () => {
      await peer.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One throughput run: wall time and this process's CPU time (user + system), in ms. */
interface ThroughputRun {
  readonly ms: number;
  readonly cpuMs: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function throughputRun(via: Via, messages: readonly unknown[]): Promise<ThroughputRun> {
  const events = messages.length;
  let codex: Codex;
  let send: () => void;
  let stop: () => Promise<void> = () => Promise.resolve();
  if (via === 'stdio') {
    const client = await inMemoryClient();
    codex = client.codex;
    const bytes = jsonl(messages);
    send = () => writeChunked(client.peer.transport.toClient, bytes);
  } else {
    const peer = await wsPeer(
      messages.map((m) => JSON.stringify(m)),
      via,
    );
    codex = await Codex.connect(peer.target);
    send = () => undefined; // the peer streams as soon as turn/start is answered
    stop = () => peer.close();
  }
  try {
    const thread = await codex.startThread();
    settleHeap();
    const turn = thread.turn('stream');
    let seen = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const done = new Promise<void>((resolve, reject) =>
      turn.subscribe({ next: () => void seen++, complete: resolve, error: reject }),
    );
    await turn.turnId;
    send();
    await done;
    const run = { ms: performance.now() - started, cpuMs: cpuMsSince(cpu) };
    if (seen !== events) throw new Error(`transports: ${seen} of ${events} events arrived`);
    return run;
  } finally {
    await codex.close();
    await stop();
  }
}

/**
 * What the `ws` library alone allows: a bare `ws` client (no compression, as codex-rx) that only
 * decodes and `JSON.parse`s each frame, fed the same bytes the same way over 127.0.0.1. codex-rx
 * reads through `ws` too, so this is its ceiling over WebSocket.
 */
async function bareWsRun(frames: readonly string[]): Promise<ThroughputRun> {
  const wire = Buffer.concat(frames.map((text) => frame(0x81, text)));
  // As the codex-rx runs do before theirs: the garbage of building the wire is not this run's.
  settleHeap();
  let started = 0;
  let cpu = process.cpuUsage();
  const peer = await rawWebSocketPeer({
    onConnection: (connection) =>
      setImmediate(() => {
        started = performance.now();
        cpu = process.cpuUsage();
        writeChunked(connection.socket, wire);
      }),
  });
  const client = new WebSocket(peer.url!, { perMessageDeflate: false });
  try {
    let seen = 0;
    let sink = 0;
    await new Promise<void>((resolve) =>
      client.on('message', (data) => {
        const message = JSON.parse((data as Buffer).toString('utf8')) as { method?: string };
        sink += message.method?.length ?? 0;
        if (++seen === frames.length) resolve();
      }),
    );
    return { ms: performance.now() - started + sink * 0, cpuMs: cpuMsSince(cpu) };
  } finally {
    client.terminate();
    await peer.close();
  }
}

export async function remote(config: BenchConfig): Promise<CaseResult> {
  const turns = config.quick ? 2 : 20;
  const repetitions = config.quick ? 1 : 5;
  const deltas = config.quick ? 10_000 : 200_000;
  const model = await ScriptedModelServer.start({
    responder: (r) => reply.text(`ok: ${r.lastUserText()}`),
  });
  const conversation = new Map<Via, number[]>(VIAS.map((v) => [v, []]));
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      for (let i = 0; i < VIAS.length; i++) {
        const via = VIAS[(i + rep) % VIAS.length]!;
        const ms = await conversationMs(via, model, turns);
        conversation.get(via)!.push(ms);
        config.log(`  transports rep ${rep + 1}/${repetitions} ${via}: ${ms.toFixed(0)} ms`);
      }
    }
  } finally {
    await model.close();
  }
  const messages: unknown[] = Array.from({ length: deltas }, (_, n) => delta('th-0', 'tu-0', n));
  messages.push(turnCompleted('th-0', 'tu-0'));
  const runs = new Map<Via | 'bare', ThroughputRun[]>(
    [...VIAS, 'bare' as const].map((v) => [v, []]),
  );
  const frames = messages.map((m) => JSON.stringify(m));
  // Half a second a run: more of them, interleaved, so that a slow spell of the host (which
  // slows whichever transport runs then) does not decide the median.
  const throughputReps = config.quick ? 1 : 9;
  for (let rep = 0; rep < throughputReps; rep++) {
    for (const via of VIAS) runs.get(via)!.push(await throughputRun(via, messages));
    runs.get('bare')!.push(await bareWsRun(frames));
  }
  const eventsPerS = (via: Via | 'bare'): Summary =>
    summarize(runs.get(via)!.map((run) => (messages.length / run.ms) * 1000));
  const cpuNsPerEvent = (via: Via | 'bare'): Summary =>
    summarize(runs.get(via)!.map((run) => (run.cpuMs * 1e6) / messages.length));
  const c = new Map(VIAS.map((v) => [v, summarize(conversation.get(v)!)]));
  const stdioT = eventsPerS('stdio');
  const wsT = eventsPerS('ws');
  const wsConv = c.get('ws')!.median / c.get('stdio')!.median;
  const unixConv = c.get('unix')!.median / c.get('stdio')!.median;
  const unixT = eventsPerS('unix');
  const wsThroughput = wsT.median / stdioT.median;
  const unixThroughput = unixT.median / stdioT.median;
  const bareT = eventsPerS('bare');
  // The target compares CPU time (user + system) of each rep's WebSocket run with the bare run
  // next to it: on a shared host, wall time measures the neighbours as much as the client.
  const wsCpu = cpuNsPerEvent('ws');
  const bareCpu = cpuNsPerEvent('bare');
  const ofCeilingCpu = summarize(
    runs.get('ws')!.map((run, rep) => runs.get('bare')![rep]!.cpuMs / run.cpuMs),
  );
  const ofCeiling = wsT.median / bareT.median;
  return {
    name: `transports (${turns}-turn conversation, ${repetitions} reps; ${deltas.toLocaleString('en-US')} deltas, ${throughputReps} reps)`,
    rows: [
      ...VIAS.map((v) => [`conversation over ${v}, ms`, formatSummary(c.get(v)!)] as const),
      ['conversation: WebSocket / stdio', wsConv.toFixed(2)],
      ['conversation: unix socket / stdio', unixConv.toFixed(2)],
      ['throughput over stdio, events/s', formatSummary(stdioT)],
      ['throughput over WebSocket, events/s', formatSummary(wsT)],
      ['throughput: WebSocket / stdio', wsThroughput.toFixed(2)],
      ['throughput over a unix socket, events/s', formatSummary(unixT)],
      ['throughput: unix socket / stdio', unixThroughput.toFixed(2)],
      ['bare `ws` client + JSON.parse on the same bytes, events/s', formatSummary(bareT)],
      ['throughput: codex-rx over WebSocket / bare `ws` client (wall)', ofCeiling.toFixed(2)],
      ['CPU per event over WebSocket, ns', formatSummary(wsCpu)],
      ['CPU per event, bare `ws` client, ns', formatSummary(bareCpu)],
      [
        'throughput: codex-rx over WebSocket / bare `ws` client (CPU time, per rep)',
        formatSummary(ofCeilingCpu, 2),
      ],
    ],
    metrics: {
      turns,
      deltas,
      repetitions,
      throughputReps,
      wsConv,
      unixConv,
      wsThroughput,
      unixThroughput,
      ofCeiling,
      ofCeilingCpu: ofCeilingCpu.median,
      wsCpuNsPerEvent: wsCpu.median,
      bareCpuNsPerEvent: bareCpu.median,
    },
    targets: [
      target('transports: conversation over WebSocket ≤ 1.1× stdio', wsConv, 'max', 1.1),
      target('transports: conversation over a unix socket ≤ 1.1× stdio', unixConv, 'max', 1.1),
      target(
        'transports: codex-rx over WebSocket ≥ 0.9× a bare `ws` client on the same bytes (CPU time)',
        ofCeilingCpu.median,
        'min',
        0.9,
      ),
    ],
  };
}
