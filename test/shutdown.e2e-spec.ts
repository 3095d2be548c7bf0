import { request as httpRequest } from 'node:http';
import { WebSocket } from 'ws';
import { tempDir } from './support/app';
import { api } from './support/http';
import { spawnHub } from './support/process';
import { WsClient } from './support/ws-client';

describe('graceful shutdown of the real process on SIGTERM', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('turns readiness 503, refuses upgrades, closes sockets with 1001, completes requests in flight, exits 0 within 10 s', async () => {
    const hub = await spawnHub({
      cwd: tmp.dir,
      env: { EMIT_HUB_DB_PATH: 'hub.db', EMIT_HUB_LOG_LEVEL: 'info' },
    });
    try {
      const http = api(hub.baseUrl);
      const id = await http.activeChannel({ name: 'Drain' });
      const url = `${hub.wsUrl}/api/v1/channels/${id}/ws`;
      const polite = (await WsClient.join(url)).client;
      // A client that stops reading never answers the close: the drain waits for it, then cuts it.
      const stuck = (await WsClient.join(url)).client;
      stuck.ws.pause();

      // A request in flight: headers and half of the body sent before SIGTERM.
      const body = JSON.stringify({ content: 'sent during shutdown' });
      const port = new URL(hub.baseUrl).port;
      const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/api/v1/channels/${id}/broadcast`,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => req.end(body.slice(10)), 700);
      });
      await new Promise((r) => setTimeout(r, 100));

      const started = Date.now();
      hub.kill('SIGTERM');

      expect((await polite.closed).code).toBe(1001);
      const ready = await fetch(`${hub.baseUrl}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready' });
      const refused = new WebSocket(url);
      const upgradeError = await new Promise<string>((resolve) =>
        refused.on('error', (err) => resolve(err.message)),
      );
      expect(upgradeError).toMatch(/503/);

      const result = await inFlight;
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toMatchObject({ channel_id: id });

      const exit = await hub.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(10000);
    } finally {
      hub.kill('SIGKILL');
    }
  }, 30000);
});
