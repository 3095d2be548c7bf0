import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';

/**
 * What a person meets in a real browser: Swagger UI under the security headers, and the
 * product description's browser client receiving broadcasts. Runs where Chromium is installed
 * (Debian: `apt-get install chromium`); CI requires it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.EMIT_HUB_TEST_REQUIRE_BROWSER === '1') {
  throw new Error(
    `Chromium is required (EMIT_HUB_TEST_REQUIRE_BROWSER=1) but ${CHROMIUM} does not exist`,
  );
}
if (!available) {
  process.stdout.write(
    `\nChromium not found at ${CHROMIUM}: the browser specs are left out (set CHROMIUM_PATH).\n`,
  );
}
const suite = available ? describe : describe.skip;

suite('in a real browser', () => {
  const tmp = tempDir();
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'browser.db') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-gpu',
      ],
    });
  }, 30000);
  afterAll(async () => {
    await browser?.close();
    await t.close();
    tmp.cleanup();
  });

  it('Swagger UI at /docs renders every operation, with no content-security-policy violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${t.baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 15000 });
    const operations = await page.locator('.opblock').count();
    expect(operations).toBeGreaterThanOrEqual(12);
    expect(await page.locator('.info .title').innerText()).toContain('EmitHub');
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await page.close();
  }, 30000);

  it("the product description's browser client receives the clinic's turns", async () => {
    const http = api(t.baseUrl);
    const id = await http.activeChannel({ name: 'Sistema de Turnos' });
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    // The description's client code, run in the page.
    await page.evaluate((url) => {
      const w = globalThis as unknown as { received: unknown[]; ws: WebSocket };
      w.received = [];
      w.ws = new WebSocket(url);
      w.ws.onmessage = (event) => w.received.push(JSON.parse(event.data as string));
    }, `${t.wsUrl}/api/v1/channels/${id}/ws`);
    await page.waitForFunction(() =>
      (globalThis as unknown as { received: Array<{ status: string }> }).received.some(
        (f) => f.status === 'connected',
      ),
    );

    // The receptionist calls A004, from the same page (same origin) as the description's admin panel does.
    const status = await page.evaluate(async (path) => {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: 'A004', message_type: 'Broadcast' }),
      });
      return res.status;
    }, `/api/v1/channels/${id}/broadcast`);
    expect(status).toBe(200);

    await page.waitForFunction(() =>
      (globalThis as unknown as { received: Array<{ status: string }> }).received.some(
        (f) => f.status === 'broadcast',
      ),
    );
    const frames = await page.evaluate(
      () => (globalThis as unknown as { received: unknown[] }).received,
    );
    expect(frames[1]).toMatchObject({
      status: 'broadcast',
      message: 'A004',
      channel_id: id,
      data: null,
      seq: 1,
    });
    await page.close();
  }, 30000);
});
