import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';

/** Raw HTTP, so that malformed paths and bodies reach the server exactly as generated. */
function raw(
  baseUrl: string,
  method: string,
  path: string,
  body: string | null,
  contentType: string | null,
): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (contentType !== null) headers['content-type'] = contentType;
    if (body !== null) headers['content-length'] = Buffer.byteLength(body);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path} hung`)));
    if (body !== null) req.write(body);
    req.end();
  });
}

describe('malformed input never yields a 5xx', () => {
  const tmp = tempDir();
  let t: TestApp;
  let channelId: string;

  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'fuzz.db'),
      env: { EMIT_HUB_MESSAGE_SIZE_LIMIT: '65536' },
    });
    channelId = await api(t.baseUrl).activeChannel({
      settings: { rate_limit_per_minute: 0, allow_client_messages: true },
    });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('hundreds of generated requests: 4xx or 2xx only, and the service stays healthy', async () => {
    const ids = fc.oneof(
      fc.constant(channelId),
      fc.uuid(),
      fc.constantFrom(
        'not-a-uuid',
        '..%2F..%2Fetc%2Fpasswd',
        '%00',
        '__proto__',
        'constructor',
        '550e8400-e29b-41d4-a716-44665544000Z',
        'x'.repeat(3000),
        '%E2%82%AC',
        '%ZZ',
      ),
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
    );
    const paths = fc
      .tuple(fc.constantFrom('', '/start', '/pause', '/stop', '/broadcast', '/ws', '/nope'), ids)
      .map(([suffix, id]) => `/api/v1/channels/${id}${suffix}`);
    const queries = fc.oneof(
      fc.constant(''),
      fc.constantFrom(
        '?status=Active',
        '?status=',
        '?status=__proto__',
        '?status[]=a&status[]=b',
        '?status=%00',
        '?__proto__[x]=1',
      ),
    );
    const path = fc.oneof(
      fc.tuple(fc.constant('/api/v1/channels'), queries).map(([p, q]) => p + q),
      paths,
      fc.constantFrom('/', '/health', '/ready', '/docs-json', '/api/v1', '/api/v1/channels/', '/%'),
    );
    const weird = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -1, 0, 2 ** 31, -(2 ** 53)),
      fc.string(),
      fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '<script>', "'; DROP TABLE channels; --"),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
    );
    const bodies = fc.oneof(
      fc.json(),
      fc
        .record(
          {
            name: weird,
            description: weird,
            settings: fc.oneof(
              weird,
              fc.record({
                max_connections: weird,
                allow_client_messages: weird,
                persist_messages: weird,
                rate_limit_per_minute: weird,
              }),
            ),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      fc
        .record({ content: weird, message_type: weird, data: weird }, { requiredKeys: [] })
        .map((o) => JSON.stringify(o)),
      fc.constantFrom(
        '{"__proto__":{"polluted":true},"name":"x"}',
        '{"constructor":{"prototype":{"polluted":true}},"content":"x"}',
        '{"settings":{"__proto__":{"polluted":true}},"name":"x"}',
        '{"name":"x"',
        '{"content":"\\u0000"}',
        '[]',
        '"just a string"',
        'null',
        '{"name":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
        '\u0000\u0001\u0002',
      ),
      fc.string(),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      path,
      body: fc.option(bodies, { nil: null }),
      contentType: fc.option(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data',
          '',
        ),
        { nil: null },
      ),
    });

    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, body, contentType }) => {
        const status = await raw(
          t.baseUrl,
          method,
          path,
          method === 'GET' || method === 'HEAD' ? null : body,
          contentType,
        );
        if (status >= 500 || status === 0)
          failures.push(`${status} ${method} ${path} ${contentType} ${String(body).slice(0, 200)}`);
        return status > 0 && status < 500;
      }),
      { numRuns: 400, seed: 20261127 },
    );
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await fetch(`${t.baseUrl}/ready`);
    expect(health.status).toBe(200);
    // The generated requests may have stopped or deleted the fuzzed channel: check a fresh one.
    const http = api(t.baseUrl);
    const fresh = await http.activeChannel();
    expect(
      (await http.post(`/api/v1/channels/${fresh}/broadcast`, { content: 'still fine' })).status,
    ).toBe(200);
  }, 120000);
});
