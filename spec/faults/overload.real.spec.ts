import { startRealCodex } from '../support/real-codex.js';

describe('request bursts against the real app-server', () => {
  it('settles every request of a 3,000-request burst, with none refused or dropped', async () => {
    // Unthrottled, this burst overflows the server's 128-message queue: it refuses some requests
    // with -32001 and, when its output queue is full too, drops the refusals so they never settle.
    const real = await startRealCodex();
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 3000 }, () => real.codex.request('thread/loaded/list', {})),
      );
      const failures = results.filter((r) => r.status === 'rejected');
      expect(failures).toEqual([]);
      expect(real.codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
    } finally {
      await real.close();
    }
  });
});
