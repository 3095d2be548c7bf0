import { join } from 'node:path';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';
import { WsClient } from './support/ws-client';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('API key', () => {
  const KEY = 's3cret-key-with-some-length';
  let t: TestApp;
  let http: ReturnType<typeof api>;
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'key.db'), env: { EMIT_HUB_API_KEY: KEY } });
    http = api(t.baseUrl);
  });
  afterAll(() => t.close());

  it('refuses every management call without the key with a 401 JSON error', async () => {
    const id = '550e8400-e29b-41d4-a716-446655440000';
    const calls = [
      http.get('/api/v1/channels'),
      http.post('/api/v1/channels', { name: 'x' }),
      http.get(`/api/v1/channels/${id}`),
      http.patch(`/api/v1/channels/${id}`, { name: 'x' }),
      http.delete(`/api/v1/channels/${id}`),
      http.put(`/api/v1/channels/${id}/start`),
      http.put(`/api/v1/channels/${id}/pause`),
      http.put(`/api/v1/channels/${id}/stop`),
      http.post(`/api/v1/channels/${id}/broadcast`, { content: 'x' }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringMatching(/Authorization: Bearer/),
      });
    }
  });

  it('refuses a wrong key, accepts the right one', async () => {
    expect(
      (await http.get('/api/v1/channels', { authorization: 'Bearer nope' })).body.message,
    ).toBe('Invalid API key');
    expect((await http.get('/api/v1/channels', { authorization: `Basic ${KEY}` })).status).toBe(
      401,
    );
    const created = await http.post('/api/v1/channels', { name: 'with key' }, auth);
    expect(created.status).toBe(201);
    expect((await http.put(`/api/v1/channels/${created.body.id}/start`, auth)).status).toBe(200);
    expect(
      (await http.post(`/api/v1/channels/${created.body.id}/broadcast`, { content: 'A004' }, auth))
        .status,
    ).toBe(200);
  });

  it('keeps health, readiness, / and /docs open', async () => {
    for (const path of [
      '/health',
      '/api/v1/health',
      '/ready',
      '/api/v1/ready',
      '/',
      '/docs',
      '/docs-json',
    ]) {
      expect([path, (await fetch(t.baseUrl + path)).status]).toEqual([path, 200]);
    }
  });

  it('documents the key as a bearer security scheme', async () => {
    const doc = (await http.get('/docs-json')).body;
    expect(doc.components.securitySchemes['api-key']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(doc.paths['/api/v1/channels'].post.security).toEqual([{ 'api-key': [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('leaves WebSocket clients (read-only subscribers) open', async () => {
    const created = await http.post('/api/v1/channels', { name: 'ws' }, auth);
    await http.put(`/api/v1/channels/${created.body.id}/start`, auth);
    const { client, first } = await WsClient.join(
      `${t.wsUrl}/api/v1/channels/${created.body.id}/ws`,
    );
    expect(first.status).toBe('connected');
    client.close();
  });
});

describe('CORS and headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'cors.db') });
  });
  afterAll(() => t.close());

  const preflight = (origin: string) =>
    fetch(`${t.baseUrl}/api/v1/channels`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('allows localhost origins on any port by default, with the configured methods, headers and max age', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://localhost']) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toBe(
        'GET,POST,PUT,PATCH,DELETE,OPTIONS',
      );
      expect(res.headers.get('access-control-allow-headers')).toBe(
        'Content-Type,Authorization,Accept',
      );
      expect(res.headers.get('access-control-max-age')).toBe('3600');
    }
  });

  it('gives a disallowed origin no Access-Control-Allow-Origin', async () => {
    for (const origin of [
      'https://evil.example',
      'http://localhost.evil.example',
      'https://localhost:5173',
    ]) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
      const res = await fetch(`${t.baseUrl}/api/v1/channels`, { headers: { origin } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends security headers and no X-Powered-By', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/channels`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});

describe('CORS with an explicit list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'cors2.db'),
      env: { EMIT_HUB_CORS_ORIGINS: 'https://app.example, https://admin.example' },
    });
  });
  afterAll(() => t.close());

  it('allows exactly the listed origins', async () => {
    const get = (origin: string) => fetch(`${t.baseUrl}/api/v1/channels`, { headers: { origin } });
    expect((await get('https://app.example')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example',
    );
    expect((await get('https://admin.example')).headers.get('access-control-allow-origin')).toBe(
      'https://admin.example',
    );
    expect(
      (await get('http://localhost:3000')).headers.get('access-control-allow-origin'),
    ).toBeNull();
    expect(
      (await get('https://app.example:8443')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});
