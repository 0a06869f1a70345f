import { Codex } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';

describe('backpressure', () => {
  it('1,000 requests at once reach a slow reader in bounded batches, and all settle', async () => {
    const peer = new FakePeer();
    let inFlight = 0;
    let maxInFlight = 0;
    peer.handle('thread/loaded/list', async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return { result: { data: [], nextCursor: null } };
    });
    const codex = await Codex.connect(peer.transport, { maxInFlightRequests: 16 });
    let maxBuffered = 0;
    const probe = setInterval(
      () => (maxBuffered = Math.max(maxBuffered, peer.transport.fromClient.writableLength)),
      1,
    );
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => codex.request('thread/loaded/list', {})),
    );
    clearInterval(probe);
    expect(results).toHaveLength(1000);
    expect(maxInFlight).toBeLessThanOrEqual(16);
    // Never more than the in-flight window sits in the pipe.
    expect(maxBuffered).toBeLessThan(16 * 80);
    expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
    await codex.close();
  });
});
