import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PinoLogger } from 'nestjs-pino';
import { WebSocket } from 'ws';
import { ConfigReloader } from '../src/config/config-reloader.service';
import { HubConfig } from '../src/config/config.schema';
import { HUB_CONFIG } from '../src/config/hub.config';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';
import { spawnHub } from './support/process';
import { expectEventually, WsClient } from './support/ws-client';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const toml = (values: {
  log: string;
  size: number;
  origin: string;
  rate: number;
  ping: number;
  port?: number | string;
}) => `
port = ${typeof values.port === 'string' ? values.port : (values.port ?? 8080)}
log_level = "${values.log}"
message_size_limit = ${values.size}
rate_limit_per_minute_default = ${values.rate}

[cors]
allowed_origins = ["${values.origin}"]

[websocket]
ping_interval = ${values.ping}
`;

describe('hot reload of the configuration file', () => {
  const file = join(tmp.dir, 'emit_hub.toml');
  let t: TestApp;
  let http: ReturnType<typeof api>;
  let config: HubConfig;

  beforeAll(async () => {
    writeFileSync(
      file,
      toml({ log: 'silent', size: 4096, origin: 'https://a.example', rate: 60, ping: 30 }),
    );
    t = await startApp({
      dbPath: join(tmp.dir, 'reload.db'),
      argv: ['--config', file],
      env: { EMIT_HUB_LOG_LEVEL: '' },
    });
    http = api(t.baseUrl);
    config = t.app.get<HubConfig>(HUB_CONFIG);
  });
  afterAll(() => t.close());

  it('applies an edit without a restart and without dropping a WebSocket client', async () => {
    const id = await http.activeChannel();
    const clients = await Promise.all(
      [1, 2].map(async () => (await WsClient.join(`${t.wsUrl}/api/v1/channels/${id}/ws`)).client),
    );
    const origin = (o: string) => fetch(`${t.baseUrl}/api/v1/channels`, { headers: { origin: o } });
    expect(
      (await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'x'.repeat(3000) })).status,
    ).toBe(200);
    expect(
      (await origin('https://b.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();

    writeFileSync(
      file,
      toml({ log: 'error', size: 2048, origin: 'https://b.example', rate: 7, ping: 5, port: 9999 }),
    );
    await expectEventually(() => expect(config.message_size_limit).toBe(2048), 5000);

    expect(
      (await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'x'.repeat(3000) })).status,
    ).toBe(413);
    expect((await origin('https://b.example')).headers.get('access-control-allow-origin')).toBe(
      'https://b.example',
    );
    expect(
      (await http.post('/api/v1/channels', { name: 'after reload' })).body.settings
        .rate_limit_per_minute,
    ).toBe(7);
    expect(PinoLogger.root.level).toBe('error');
    expect(config.websocket.ping_interval).toBe(5);
    // The port needs a restart: reported, not applied.
    expect(config.port).toBe(8080);

    for (const c of clients) expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'still here' });
    for (const c of clients)
      expect((await c.next((f) => f.message === 'still here')).status).toBe('broadcast');
    clients.forEach((c) => c.close());
  });

  it('keeps the running configuration when an edit is invalid, and says why', () => {
    const before = JSON.stringify(config);
    writeFileSync(
      file,
      toml({ log: 'loud', size: 1, origin: 'https://c.example', rate: -1, ping: 0 }),
    );
    const result = t.app.get(ConfigReloader).reload('test');
    expect(result.applied).toEqual([]);
    expect(result.error).toMatch(/log_level/);
    expect(result.error).toMatch(/message_size_limit/);
    expect(result.error).toMatch(/websocket\.ping_interval/);
    expect(JSON.stringify(config)).toBe(before);
  });
});

describe('SIGHUP', () => {
  it('reloads the configuration file of the running process', async () => {
    const file = join(tmp.dir, 'sighup.toml');
    writeFileSync(file, 'log_level = "info"\nmessage_size_limit = 4096\n');
    const hub = await spawnHub({
      cwd: tmp.dir,
      env: { EMIT_HUB_DB_PATH: 'sighup.db', EMIT_HUB_LOG_LEVEL: '' },
      args: ['--config', file],
    });
    try {
      writeFileSync(file, 'log_level = "info"\nmessage_size_limit = 2048\n');
      hub.kill('SIGHUP');
      await expectEventually(() =>
        expect(
          hub.logs.some(
            (l) => String(l.msg).startsWith('Configuration reloaded') && l.reason === 'SIGHUP',
          ),
        ).toBe(true),
      );
      const http = api(hub.baseUrl);
      expect((await http.post('/api/v1/channels', { name: 'x'.repeat(2100) })).status).toBe(413);
    } finally {
      hub.kill('SIGTERM');
      await hub.exited;
    }
  });
});
