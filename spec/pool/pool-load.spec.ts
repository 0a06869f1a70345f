import { CodexPool } from '../../src/index.js';
import type { PoolLoad } from '../../src/index.js';
import { answerHandshake, rawWebSocketPeer } from '../support/raw-websocket-peer.js';

/**
 * `pool.load$` emits on every change, and only then (docs/fleet.md): a member lost, restarted
 * and closed gives one snapshot per state it passes through, never the same one twice in a row.
 */
describe('pool.load$', () => {
  it('emits no snapshot equal to the one before it as a member is lost, restarted and closed', async () => {
    let connections = 0;
    const peer = await rawWebSocketPeer({
      onConnection: (connection) => {
        connections++;
        void answerHandshake(connection);
        // The first connection drops soon after the handshake; the pool restarts the member.
        if (connections === 1) setTimeout(() => connection.socket.destroy(), 200);
      },
    });
    const pool = await CodexPool.connect({
      members: [{ url: peer.url!, name: 'm0', heartbeatIntervalMs: false }],
      reconnect: { retries: 0 },
      restartDelayMs: 50,
    });
    const seen: PoolLoad[] = [];
    pool.load$.subscribe((load) => seen.push(load));
    try {
      const deadline = Date.now() + 20_000;
      const states = () => seen.map((load) => load.members[0]!.state);
      while (!(connections >= 2 && states().at(-1) === 'ready') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await pool.close();
      await peer.close();
    }
    const states = seen.map((load) => load.members[0]!.state);
    expect(states[0]).toBe('ready');
    expect(states).toContain('unavailable');
    expect(states.at(-1)).toBe('closed');
    const json = seen.map((load) => JSON.stringify(load));
    for (let i = 1; i < json.length; i++) expect(json[i]).not.toBe(json[i - 1]);
  });
});
