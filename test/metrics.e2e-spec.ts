import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';
import { expectEventually, WsClient } from './support/ws-client';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The value of the one sample with this name and these labels (among others), or undefined. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    if (found.length > 1) throw new Error(`${found.length} samples match ${name}`);
    return found[0]?.value;
  }

  /** Like value(), 0 when absent. */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.value(name, labels) ?? 0;
  }
}

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('GET /metrics', () => {
  let t: TestApp;
  let http: ReturnType<typeof api>;
  const clients: WsClient[] = [];
  const join_ = async (id: string, query = '') => {
    const joined = await WsClient.join(`${t.wsUrl}/api/v1/channels/${id}/ws${query}`);
    clients.push(joined.client);
    return joined;
  };
  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    return new Scrape(parseExposition(await res.text()));
  };

  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'metrics.db') });
    http = api(t.baseUrl);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => t.close());

  it('answers the Prometheus text format, with the process metrics of a registry of its own', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const type = res.headers.get('content-type') ?? '';
    expect(type).toMatch(/^text\/plain;/);
    expect(type).toContain('version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE emithub_broadcasts_total counter');
    expect(text).toContain('# TYPE emithub_broadcast_fanout_seconds histogram');
    const s = new Scrape(parseExposition(text));
    expect(s.value('process_cpu_user_seconds_total')).toEqual(expect.any(Number));
    expect(s.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('reports the open sockets of each channel, and drops them as they close', async () => {
    const id = await http.activeChannel();
    const joined = await Promise.all([1, 2, 3].map(() => join_(id)));
    expect(joined.every((j) => j.first.status === 'connected')).toBe(true);
    expect((await scrape()).value('emithub_channel_connections', { channel_id: id })).toBe(3);

    joined[0].client.close();
    await expectEventually(async () =>
      expect((await scrape()).value('emithub_channel_connections', { channel_id: id })).toBe(2),
    );
    joined.slice(1).forEach((j) => j.client.close());
    await expectEventually(async () =>
      expect((await scrape()).value('emithub_channel_connections', { channel_id: id })).toBe(
        undefined,
      ),
    );
  });

  it('counts broadcasts, their deliveries and their fan-out', async () => {
    const id = await http.activeChannel();
    const a = (await join_(id)).client;
    const b = (await join_(id)).client;
    const before = await scrape();

    for (let i = 1; i <= 3; i++)
      expect(
        (await http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` })).status,
      ).toBe(200);
    await a.next((f) => f.status === 'broadcast' && f.seq === 3);
    await b.next((f) => f.status === 'broadcast' && f.seq === 3);

    await expectEventually(async () => {
      const after = await scrape();
      const delta = (name: string) => after.count(name) - before.count(name);
      expect(delta('emithub_broadcasts_total')).toBe(3);
      expect(delta('emithub_broadcast_deliveries_total')).toBe(6);
      expect(delta('emithub_broadcast_fanout_seconds_count')).toBe(3);
    });
  });

  it('counts relayed client messages and their deliveries', async () => {
    const id = await http.activeChannel({ settings: { allow_client_messages: true } });
    const sender = (await join_(id)).client;
    const others = await Promise.all([1, 2].map(async () => (await join_(id)).client));
    const before = await scrape();

    sender.send('hello');
    for (const c of others) await c.next((f) => f.status === 'client_message');

    const after = await scrape();
    const delta = (name: string) => after.count(name) - before.count(name);
    expect(delta('emithub_client_messages_total')).toBe(1);
    expect(delta('emithub_client_message_deliveries_total')).toBe(2);
  });

  it('counts denied connections by reason', async () => {
    const created = await http.createChannel();
    const full = await http.activeChannel({ settings: { max_connections: 1 } });
    await join_(full);
    const before = await scrape();
    const reason = (r: string) => ({ reason: r });

    const cases: Array<[string, string]> = [
      [`/api/v1/channels/${randomUUID()}/ws`, 'not_found'],
      [`/api/v1/channels/${created}/ws`, 'not_active'],
      [`/api/v1/channels/${full}/ws`, 'full'],
      [`/api/v1/channels/${full}/ws?since=abc`, 'invalid_request'],
    ];
    for (const [path, expected] of cases) {
      const { client, first } = await WsClient.join(`${t.wsUrl}${path}`);
      expect(first.status).toBe('denied');
      expect((await client.closed).code).toBe(1008);
      const after = await scrape();
      expect(
        after.count('emithub_connections_denied_total', reason(expected)) -
          before.count('emithub_connections_denied_total', reason(expected)),
      ).toBe(1);
    }
  });

  it('counts rate-limited broadcasts (429) and client messages', async () => {
    const id = await http.activeChannel({
      settings: { allow_client_messages: true, rate_limit_per_minute: 1 },
    });
    const sender = (await join_(id)).client;
    const before = await scrape();
    const kind = (k: string) => ({ kind: k });

    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'a' })).status).toBe(
      200,
    );
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'b' })).status).toBe(
      429,
    );
    sender.send('one');
    sender.send('two');
    const error = await sender.next((f) => f.status === 'error');
    expect(error.data.code).toBe('RATE_LIMITED');

    const after = await scrape();
    const delta = (k: string) =>
      after.count('emithub_rate_limited_total', kind(k)) -
      before.count('emithub_rate_limited_total', kind(k));
    expect(delta('broadcast')).toBe(1);
    expect(delta('client_message')).toBe(1);
  });

  it('times HTTP requests by route template and status, never by raw URL', async () => {
    const id = await http.activeChannel({ settings: { rate_limit_per_minute: 1 } });
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'a' })).status).toBe(
      200,
    );
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'b' })).status).toBe(
      429,
    );
    expect((await http.get('/no/such/path')).status).toBe(404);
    // Refused by the body parser, before any route runs.
    expect(
      (
        await http.post(`/api/v1/channels/${id}/broadcast`, 'a', {
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(415);
    expect((await http.get('/api/v1/channels/not-a-uuid')).status).toBe(400);

    const name = 'emithub_http_request_duration_seconds_count';
    const route = '/api/v1/channels/:id/broadcast';
    await expectEventually(async () => {
      const s = await scrape();
      expect(s.count(name, { method: 'POST', route, status: '200' })).toBeGreaterThanOrEqual(1);
      expect(s.count(name, { method: 'POST', route, status: '429' })).toBeGreaterThanOrEqual(1);
      expect(s.count(name, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
      expect(s.count(name, { method: 'POST', route: 'unmatched', status: '415' })).toBe(1);
      expect(
        s.count(name, { method: 'GET', route: '/api/v1/channels/:id', status: '400' }),
      ).toBeGreaterThanOrEqual(1);
      expect(s.samples.some((x) => x.name === name && x.labels.route?.includes(id))).toBe(false);
    });
  });

  it('is never rate limited, and is not in the OpenAPI document', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, () => fetch(`${t.baseUrl}/metrics`)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await Promise.all(results.map((r) => r.text()));
    const doc = (await http.get('/docs-json')).body;
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('GET /metrics with EMIT_HUB_API_KEY set', () => {
  const KEY = 'metrics-test-key';
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'metrics-key.db'),
      env: { EMIT_HUB_API_KEY: KEY },
    });
  });
  afterAll(() => t.close());

  it('needs the key', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${t.baseUrl}/metrics`, {
      headers: { authorization: 'Bearer not-the-key' },
    });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('emithub_broadcasts_total');
  });
});
