/**
 * The web chat example in a real headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`): the page's `useChat` against the example server, the real app-server and
 * the scripted model. A screenshot per scenario goes to test-artifacts/web-chat/ (git-ignored).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startWebChat } from '../../examples/web-chat/server.js';
import type { WebChat } from '../../examples/web-chat/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts/web-chat');
const WAIT = { timeout: 20_000 };

/** Runs in the page: records every text the first answer shows, as the DOM changes. */
const RECORD_ANSWER_TEXTS = `
  window.seen = [];
  new MutationObserver(() => {
    const text = document.querySelector('.assistant .text')?.textContent ?? '';
    if (text && window.seen.at(-1) !== text) window.seen.push(text);
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
`;

describe('the web chat in a real browser', () => {
  let chat: WebChat;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    await mkdir(ARTIFACTS, { recursive: true });
    chat = await startWebChat();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await chat?.close();
  });

  /** What a person would see in the console: errors, and requests that failed. */
  const problems: string[] = [];

  async function openChat(): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(chat.url);
    await page.locator('input[name=prompt]').waitFor(WAIT);
    return page;
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.locator('input[name=prompt]').fill(text);
    await page.locator('button[type=submit]', { hasText: 'Send' }).click();
  }

  const lastAnswer = (page: Page) => page.locator('.assistant').last();
  const idle = (page: Page) => page.locator('main[data-status=ready]').waitFor(WAIT);
  /** Whether the element's bottom is on screen (the newest message stays in view). */
  const inView = (page: Page, selector: string) =>
    page.evaluate<boolean>(
      `(() => { const all = document.querySelectorAll(${JSON.stringify(selector)});
        const box = all[all.length - 1].getBoundingClientRect();
        return box.bottom > 0 && box.bottom <= window.innerHeight + 1; })()`,
    );
  /** The class of the last element in the last answer. */
  const lastPartOfAnswer = (page: Page) =>
    page.evaluate<string | undefined>(
      `(() => { const all = document.querySelectorAll('.assistant');
        return all[all.length - 1].lastElementChild?.className; })()`,
    );
  const tokensOf = async (page: Page, answer: number) =>
    Number(
      (await page.locator('.assistant').nth(answer).locator('.usage').textContent())?.match(
        /(\d+) tokens/,
      )?.[1],
    );
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('streams the answer into the page word by word', async () => {
    const page = await openChat();
    // Every text the answer shows on its way, recorded in the page as the DOM changes.
    await page.evaluate(RECORD_ANSWER_TEXTS);
    await send(page, 'hello world');
    // A streaming indicator while the answer comes, gone once it is there.
    await page.locator('.streaming').waitFor(WAIT);
    const final = 'You said: hello world. This answer streams word by word.';
    await lastAnswer(page).locator('.text', { hasText: final }).waitFor(WAIT);
    await idle(page);
    await expect(page.locator('.streaming').count()).resolves.toBe(0);
    const seen = await page.evaluate<string[]>('window.seen');
    expect(seen.at(-1)).toBe(final);
    const partial = seen.filter((text) => text !== final);
    expect(partial.length).toBeGreaterThanOrEqual(3);
    for (const text of partial) expect(final.startsWith(text)).toBe(true);
    await expect(lastAnswer(page).locator('.usage').textContent()).resolves.toMatch(/\d+ tokens/);
    // The usage sits at the end of the answer.
    await expect(lastPartOfAnswer(page)).resolves.toBe('usage');
    await shot(page, '1-streaming');
    // The second answer shows its own turn's tokens, not the thread's running total.
    await send(page, 'hello again');
    await lastAnswer(page).locator('.text', { hasText: 'You said: hello again.' }).waitFor(WAIT);
    await idle(page);
    await lastAnswer(page).locator('.usage').waitFor(WAIT);
    const [first, second] = [await tokensOf(page, 0), await tokensOf(page, 1)];
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThan(first + second);
    expect(second).toBe(first);

    // The thread's history comes back from the server after a reload.
    await page.reload();
    await page.locator('.user', { hasText: 'hello world' }).waitFor(WAIT);
    await expect(page.locator('.assistant').first().locator('.text').textContent()).resolves.toBe(
      final,
    );
    // Each replayed answer shows its own turn's tokens, as it did live.
    await page.locator('.assistant').nth(1).locator('.usage').waitFor(WAIT);
    await expect(tokensOf(page, 0)).resolves.toBe(first);
    await expect(tokensOf(page, 1)).resolves.toBe(second);
    await shot(page, '2-reloaded');
    // And an answer after the reload its own, not the thread's running total.
    await send(page, 'hello after reload');
    await lastAnswer(page)
      .locator('.text', { hasText: 'You said: hello after reload.' })
      .waitFor(WAIT);
    await idle(page);
    await lastAnswer(page).locator('.usage').waitFor(WAIT);
    await expect(tokensOf(page, 2)).resolves.toBe(first);
    // No favicon 404, no error in the console, on load and reload alike.
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a command and its output', async () => {
    const page = await openChat();
    await send(page, 'run the build');
    const tool = page.locator('.tool[data-state=output-available]');
    await tool.locator('pre.output', { hasText: 'build ok' }).waitFor(WAIT);
    // The streamed (preliminary) output shows "build ok" before the exit code arrives.
    await tool.locator('pre.output', { hasText: '(exit 0)' }).waitFor(WAIT);
    await lastAnswer(page).locator('.text', { hasText: 'It printed build ok.' }).waitFor(WAIT);
    // The command as the agent wrote it: not the shell wrapper's escaped copy.
    await expect(tool.locator('summary').textContent()).resolves.toBe(
      "$ printf 'compiling\\n'; sleep 0.2; printf 'build ok\\n'",
    );
    await shot(page, '3-command');
    await page.close();
  });

  it('asks before a risky command: Allow runs it, Deny does not', async () => {
    for (const [button, expected] of [
      ['Allow', 'The command ran.'],
      ['Deny', 'I did not run it: you denied it.'],
    ] as const) {
      const page = await openChat();
      await send(page, 'delete old notes');
      const approval = page.locator('.approval');
      await approval.waitFor(WAIT);
      // Send waits for the answer, and says so.
      await expect(
        page.locator('button[type=submit]', { hasText: 'Send' }).isDisabled(),
      ).resolves.toBe(true);
      await expect(page.locator('.reason').textContent()).resolves.toMatch(/Answer the approval/);
      await shot(page, `4-approval-asked-${button.toLowerCase()}`);
      await approval.locator('button', { hasText: button }).click();
      await lastAnswer(page).locator('.text', { hasText: expected }).waitFor(WAIT);
      if (button === 'Allow')
        await page.locator('.tool pre.output', { hasText: 'deleted' }).waitFor(WAIT);
      else await page.locator('.tool .denied').waitFor(WAIT);
      await expect(page.locator('.approval').count()).resolves.toBe(0);
      await expect(page.locator('.reason').count()).resolves.toBe(0);
      await shot(page, `5-approval-${button.toLowerCase()}`);
      await page.close();
    }
  });

  it('stops a slow turn: the page shows it interrupted', async () => {
    const page = await openChat();
    await send(page, 'give me a slow answer');
    await lastAnswer(page).locator('.text', { hasText: 'Thinking very slowly' }).waitFor(WAIT);
    await page.locator('button[name=stop]').click();
    await lastAnswer(page).locator('.status', { hasText: 'interrupted' }).waitFor(WAIT);
    await idle(page);
    await shot(page, '6-stopped');
    await page.close();
  });

  it('steers a running turn from the steer box', async () => {
    const page = await openChat();
    await send(page, 'give me a slow answer');
    await lastAnswer(page).locator('.text', { hasText: 'Thinking very slowly' }).waitFor(WAIT);
    await page.locator('input[name=steer]').fill('keep it short');
    await page.locator('button', { hasText: 'Steer' }).click();
    // The steer message is in the transcript at once, where a reload shows it: before the answer.
    await page.locator('.user', { hasText: 'keep it short' }).waitFor(WAIT);
    await lastAnswer(page).locator('.text', { hasText: 'You said: keep it short.' }).waitFor(WAIT);
    await idle(page);
    const roles = () => page.locator('.message').allTextContents();
    const live = await roles();
    expect(live.slice(0, 2)).toEqual(['give me a slow answer', 'keep it short']);
    await shot(page, '6-steered');
    await page.reload();
    await page.locator('.user', { hasText: 'keep it short' }).waitFor(WAIT);
    const reloaded = await roles();
    expect(reloaded.slice(0, 2)).toEqual(live.slice(0, 2));
    expect(reloaded[2]).toContain('You said: keep it short.');
    await page.close();
  });

  it('keeps the newest message in view as the transcript grows', async () => {
    const small = await browser.newContext({ viewport: { width: 700, height: 360 } });
    const page = await small.newPage();
    await page.goto(chat.url);
    for (const word of ['one', 'two', 'three']) {
      await page.locator('input[name=prompt]').fill(`hello ${word}`);
      await page.locator('button[type=submit]', { hasText: 'Send' }).click();
      await page.locator('.assistant .text', { hasText: `You said: hello ${word}.` }).waitFor(WAIT);
      await page.locator('main[data-status=ready]').waitFor(WAIT);
      await expect(inView(page, '.assistant')).resolves.toBe(true);
    }
    await expect(page.evaluate<number>('window.scrollY')).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, '8-scrolled.png') });
    await small.close();
  });

  it('shows a refused message: a second tab of the same chat while its turn runs', async () => {
    const first = await openChat();
    const id = await first.evaluate<string>("sessionStorage.getItem('codex-rx-chat')");
    await send(first, 'give me a slow answer');
    await lastAnswer(first).locator('.text', { hasText: 'Thinking very slowly' }).waitFor(WAIT);
    const second = await context.newPage();
    await second.addInitScript(`sessionStorage.setItem('codex-rx-chat', ${JSON.stringify(id)})`);
    await second.goto(chat.url);
    await second.locator('input[name=prompt]').waitFor(WAIT);
    await send(second, 'me too');
    await second.locator('.status.error', { hasText: 'one is running' }).waitFor(WAIT);
    await shot(second, '9-refused');
    await first.locator('button[name=stop]').click();
    await idle(first);
    await Promise.all([first.close(), second.close()]);
  });

  it('keeps two tabs on two threads, with no cross-talk', async () => {
    const [a, b] = await Promise.all([openChat(), openChat()]);
    await Promise.all([send(a, 'alpha'), send(b, 'beta')]);
    await Promise.all([
      lastAnswer(a).locator('.text', { hasText: 'You said: alpha.' }).waitFor(WAIT),
      lastAnswer(b).locator('.text', { hasText: 'You said: beta.' }).waitFor(WAIT),
    ]);
    await Promise.all([idle(a), idle(b)]);
    await expect(a.locator('.message').allTextContents()).resolves.not.toEqual(
      expect.arrayContaining([expect.stringContaining('beta')]),
    );
    await expect(b.locator('.message').allTextContents()).resolves.not.toEqual(
      expect.arrayContaining([expect.stringContaining('alpha')]),
    );
    await shot(a, '7-tab-a');
    await shot(b, '7-tab-b');
    await Promise.all([a.close(), b.close()]);
  });
});
