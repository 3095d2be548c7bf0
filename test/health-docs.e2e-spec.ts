import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';

const run = promisify(execFile);

describe('health, info and docs', () => {
  const tmp = tempDir();
  let t: TestApp;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'hub.db') });
    http = api(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it.each(['/health', '/api/v1/health'])('GET %s answers the liveness body', async (path) => {
    const res = await http.get(path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'healthy',
      service: 'emit-hub',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      timestamp: expect.any(String),
    });
  });

  it.each(['/ready', '/api/v1/ready'])(
    'GET %s answers ready with database and memory checks',
    async (path) => {
      const res = await http.get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ready',
        checks: { database: 'ok', memory: 'ok', broadcast: 'ok' },
      });
    },
  );

  it('GET / answers the service name, version and links', async () => {
    const res = await http.get('/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'EmitHub',
      service: 'emit-hub',
      links: { docs: '/docs', openapi: '/docs-json' },
    });
  });

  it('GET /docs serves Swagger UI', async () => {
    const res = await fetch(`${t.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/swagger-ui/i);
  });

  it('the OpenAPI document covers every endpoint, with the seed example', async () => {
    const doc = (await http.get('/docs-json')).body;
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/',
        '/api/v1/admin/backup',
        '/api/v1/channels',
        '/api/v1/channels/{id}',
        '/api/v1/channels/{id}/broadcast',
        '/api/v1/channels/{id}/messages',
        '/api/v1/channels/{id}/pause',
        '/api/v1/channels/{id}/start',
        '/api/v1/channels/{id}/stop',
        '/api/v1/health',
        '/api/v1/ready',
        '/health',
        '/ready',
      ].sort(),
    );
    expect(JSON.stringify(doc.paths['/api/v1/channels/{id}/broadcast'])).toContain('A004');
    expect(doc.paths['/api/v1/channels/{id}/pause'].put.responses['409']).toBeDefined();
  });

  it('the OpenAPI document lints with @redocly/cli (recommended rules) with no errors', async () => {
    const doc = (await http.get('/docs-json')).body;
    const file = join(tmp.dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = require.resolve('@redocly/cli/bin/cli.js');
    const result = await run(
      process.execPath,
      [cli, 'lint', '--extends', 'recommended', '--format', 'json', file],
      {
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((err: { stdout: string; stderr: string }) => err);
    const report = JSON.parse(result.stdout) as {
      totals: { errors: number };
      problems: Array<{ ruleId: string; severity: string; message: string }>;
    };
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map(
        (p) =>
          `${p.ruleId} at ${(p as unknown as { location: Array<{ pointer: string }> }).location[0]?.pointer}: ${p.message}`,
      );
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60000);
});
