import { Codex, InvalidInputError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';

const completed = (loginId: string, success = true, error: string | null = null) => ({
  loginId,
  success,
  error,
  onboardingEntrypoint: null,
});

describe('account methods on the wire', () => {
  it('reads the account and logs out', async () => {
    const peer = new FakePeer()
      .handle('account/read', () => ({
        result: {
          account: { type: 'apiKey' },
          userId: null,
          requiresOpenaiAuth: true,
          workspaceRouting: null,
        },
      }))
      .handle('account/logout', () => ({ result: {} }));
    const codex = await Codex.connect(peer.transport);
    expect((await codex.account({ refreshToken: true })).account).toEqual({ type: 'apiKey' });
    expect((await peer.next('account/read')).params).toEqual({ refreshToken: true });
    await codex.logout();
    expect('params' in (await peer.next('account/logout'))).toBe(false);
    await codex.close();
  });

  it('logs in with an API key without the key reaching the logger', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      error: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      info: (m) => lines.push(m),
      debug: (m) => lines.push(m),
    };
    const peer = new FakePeer().handle('account/login/start', () => ({
      result: { type: 'apiKey' },
    }));
    const codex = await Codex.connect(peer.transport, { logger });
    await codex.loginApiKey('sk-test-secret-123');
    expect((await peer.next('account/login/start')).params).toEqual({
      type: 'apiKey',
      apiKey: 'sk-test-secret-123',
    });
    await expect(codex.loginApiKey('')).rejects.toBeInstanceOf(InvalidInputError);
    expect(lines.join('\n')).not.toContain('sk-test-secret-123');
    await codex.close();
  });

  it('routes a ChatGPT login completion by loginId, even when it arrives before the response', async () => {
    const peer = new FakePeer().handle('account/login/start', () => {
      peer.notify('account/login/completed', completed('someone-else', false, 'not mine'));
      peer.notify('account/login/completed', completed('login-1'));
      return {
        result: { type: 'chatgpt', loginId: 'login-1', authUrl: 'https://auth.example/login-1' },
      };
    });
    const codex = await Codex.connect(peer.transport);
    const handle = await codex.loginChatgpt();
    expect(handle.authUrl).toBe('https://auth.example/login-1');
    await expect(handle.completed).resolves.toMatchObject({ loginId: 'login-1', success: true });
    await codex.close();
  });

  it('gives device-code details, and rejects completed on failure', async () => {
    const peer = new FakePeer().handle('account/login/start', () => ({
      result: {
        type: 'chatgptDeviceCode',
        loginId: 'dc-1',
        verificationUrl: 'https://device.example',
        userCode: 'ABCD-EFGH',
      },
    }));
    const codex = await Codex.connect(peer.transport);
    const handle = await codex.loginChatgptDeviceCode();
    expect(handle).toMatchObject({
      loginId: 'dc-1',
      verificationUrl: 'https://device.example',
      userCode: 'ABCD-EFGH',
    });
    peer.notify('account/login/completed', completed('dc-1', false, 'user denied'));
    await expect(handle.completed).rejects.toMatchObject({
      code: 'login_failed',
      message: expect.stringContaining('user denied'),
    });
    await codex.close();
  });

  it("cancel() rejects completed with login_cancelled even when the server's failure report comes first", async () => {
    const peer = new FakePeer()
      .handle('account/login/start', () => ({
        result: { type: 'chatgpt', loginId: 'login-race', authUrl: 'http://127.0.0.1/auth' },
      }))
      .handle('account/login/cancel', () => {
        peer.notify('account/login/completed', {
          loginId: 'login-race',
          success: false,
          error: 'cancelled by the user',
        });
        return { result: { status: 'canceled' } };
      });
    const codex = await Codex.connect(peer.transport);
    const handle = await codex.loginChatgpt();
    await handle.cancel();
    await expect(handle.completed).rejects.toMatchObject({ code: 'login_cancelled' });
    await codex.close();
  });

  it('cancel() sends account/login/cancel and settles completed; close() settles a pending login', async () => {
    const peer = new FakePeer()
      .handle('account/login/start', () => ({
        result: { type: 'chatgpt', loginId: 'login-2', authUrl: 'https://auth.example/2' },
      }))
      .handle('account/login/cancel', () => ({ result: { status: 'canceled' } }));
    const codex = await Codex.connect(peer.transport);
    const handle = await codex.loginChatgpt();
    await expect(handle.cancel()).resolves.toEqual({ status: 'canceled' });
    expect((await peer.next('account/login/cancel')).params).toEqual({ loginId: 'login-2' });
    await expect(handle.completed).rejects.toMatchObject({ code: 'login_cancelled' });

    const pending = await codex.loginChatgpt();
    await codex.close();
    await expect(pending.completed).rejects.toMatchObject({ code: 'closed' });
  });
});
