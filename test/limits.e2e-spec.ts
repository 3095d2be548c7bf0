import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ConnectionRegistry } from '../src/gateway/connection-registry';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';
import { expectEventually, WsClient } from './support/ws-client';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('rate limits, sizes, connection caps', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;
  const clients: WsClient[] = [];
  const join_ = async (id: string) => {
    const joined = await WsClient.join(`${t.wsUrl}/api/v1/channels/${id}/ws`);
    clients.push(joined.client);
    return joined;
  };

  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'limits.db'),
      env: { EMIT_HUB_MESSAGE_SIZE_LIMIT: '2048' },
    });
    http = api(t.baseUrl);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => t.close());

  it('limits broadcasts per channel: over rate_limit_per_minute is a 429 with Retry-After', async () => {
    const limited = await http.activeChannel({ settings: { rate_limit_per_minute: 3 } });
    const other = await http.activeChannel({ settings: { rate_limit_per_minute: 3 } });
    for (let i = 0; i < 3; i++) {
      expect(
        (await http.post(`/api/v1/channels/${limited}/broadcast`, { content: `m${i}` })).status,
      ).toBe(200);
    }
    const refused = await http.post(`/api/v1/channels/${limited}/broadcast`, {
      content: 'one too many',
    });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(refused.body.message).toMatch(/3 broadcasts per minute/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Nothing was numbered for the refused one; the other channel has its own budget.
    expect((await http.get(`/api/v1/channels/${limited}`)).body.last_seq).toBe(3);
    expect((await http.post(`/api/v1/channels/${other}/broadcast`, { content: 'x' })).status).toBe(
      200,
    );
  });

  it('0 means unlimited', async () => {
    const id = await http.activeChannel({ settings: { rate_limit_per_minute: 0 } });
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
  });

  it('a PATCH of rate_limit_per_minute applies to the next broadcast', async () => {
    const id = await http.activeChannel({ settings: { rate_limit_per_minute: 1 } });
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'a' })).status).toBe(
      200,
    );
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'b' })).status).toBe(
      429,
    );
    await http.patch(`/api/v1/channels/${id}`, { settings: { rate_limit_per_minute: 0 } });
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'c' })).status).toBe(
      200,
    );
  });

  it('health, readiness and docs are never throttled', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => http.get('/health')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await http.get('/ready')).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/docs-json`)).status).toBe(200);
  });

  it('limits client messages per channel with an error frame', async () => {
    const id = await http.activeChannel({
      settings: { allow_client_messages: true, rate_limit_per_minute: 2 },
    });
    const sender = (await join_(id)).client;
    const other = (await join_(id)).client;
    sender.send('one');
    sender.send('two');
    sender.send('three');
    const error = await sender.next((f) => f.status === 'error');
    expect(error.data).toMatchObject({ code: 'RATE_LIMITED', retry_after: expect.any(Number) });
    await other.next((f) => f.message.endsWith('two'));
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'marker' });
    await other.next((f) => f.status === 'broadcast');
    expect(other.all('client_message').map((f) => f.data.original_message)).toEqual(['one', 'two']);
  });

  it('closes a socket that sends a message over EMIT_HUB_MESSAGE_SIZE_LIMIT with 1009', async () => {
    const id = await http.activeChannel({ settings: { allow_client_messages: true } });
    const c = (await join_(id)).client;
    c.send('x'.repeat(4096));
    expect((await c.closed).code).toBe(1009);
  });

  it('admits exactly max_connections under concurrent churn, and counts exactly', async () => {
    const id = await http.activeChannel({ name: 'Capped', settings: { max_connections: 5 } });
    const joined = await Promise.all(Array.from({ length: 20 }, () => join_(id)));
    const connected = joined.filter((j) => j.first.status === 'connected');
    const denied = joined.filter((j) => j.first.status === 'denied');
    expect(connected).toHaveLength(5);
    expect(denied.every((j) => j.first.message === 'Channel Capped is full')).toBe(true);
    expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(5);

    // Two leave and seven try again at once: exactly two get in.
    connected.slice(0, 2).forEach((j) => j.client.close());
    await Promise.all(connected.slice(0, 2).map((j) => j.client.closed));
    await expectEventually(async () =>
      expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(3),
    );
    const again = await Promise.all(Array.from({ length: 7 }, () => join_(id)));
    expect(again.filter((j) => j.first.status === 'connected')).toHaveLength(2);
    expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(5);
  });
});

describe('heartbeats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'heartbeat.db'),
      env: { EMIT_HUB_WS_PING_INTERVAL: '1', EMIT_HUB_WS_TIMEOUT: '2' },
    });
  });
  afterAll(() => t.close());

  it('drops a socket that stops answering pings, keeps one that answers', async () => {
    const http = api(t.baseUrl);
    const id = await http.activeChannel();
    const url = `${t.wsUrl}/api/v1/channels/${id}/ws`;
    const healthy = await WsClient.connect(url);
    // A half-open peer: connected, but never answers a ping.
    const silent = new WebSocket(url, { autoPong: false });
    const silentClosed = new Promise<number>((resolve) =>
      silent.on('close', (code) => resolve(code)),
    );
    await expectEventually(async () =>
      expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(2),
    );

    const started = Date.now();
    expect(await silentClosed).toBe(1006); // terminated, no closing handshake
    expect(Date.now() - started).toBeLessThan(6000);
    await expectEventually(async () =>
      expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(1),
    );
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    healthy.close();
  }, 15000);
});

describe('slow consumers', () => {
  let t: TestApp;
  const BOUND = 256 * 1024;
  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'slow.db'),
      env: { EMIT_HUB_WS_MAX_BUFFERED: String(BOUND) },
    });
  });
  afterAll(() => t.close());

  it('closes a client that stops reading with 1013, while the others get every message', async () => {
    const http = api(t.baseUrl);
    const id = await http.activeChannel({ settings: { rate_limit_per_minute: 0 } });
    const url = `${t.wsUrl}/api/v1/channels/${id}/ws`;
    const fast = await Promise.all([1, 2, 3].map(async () => (await WsClient.join(url)).client));
    const slow = (await WsClient.join(url)).client;
    slow.ws.pause(); // stops reading: the server's send buffer for it fills up

    const registry = t.app.get(ConnectionRegistry);
    let maxBuffered = 0;
    const sampler = setInterval(
      () => (maxBuffered = Math.max(maxBuffered, registry.bufferedBytes().max)),
      5,
    );

    // Loopback socket buffers hold a few MB before the server's own queue grows: send ~24 MB.
    const N = 1500;
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          http.post(`/api/v1/channels/${id}/broadcast`, { content: `${i + k}:${payload}` }),
        ),
      );
    }
    for (const c of fast) await c.next((f) => f.status === 'broadcast' && f.seq === N, 20000);
    clearInterval(sampler);

    for (const c of fast) {
      expect(c.all('broadcast').map((f) => f.seq)).toEqual(
        Array.from({ length: N }, (_, i) => i + 1),
      );
    }
    // The server never held more than the bound plus one event-loop turn of broadcasts
    // (at most the 50 in flight) for any socket.
    expect(maxBuffered).toBeLessThan(BOUND + 50 * (payload.length + 200));

    slow.ws.resume();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      slow.closed,
      new Promise<null>((r) => (timer = setTimeout(() => r(null), 15000))),
    ]);
    clearTimeout(timer);
    expect(closed?.code).toBe(1013);
    expect(slow.all('broadcast').length).toBeLessThan(N);
    fast.forEach((c) => c.close());
  }, 60000);
});
