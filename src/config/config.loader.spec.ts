import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configTableMarkdown } from './config-docs';
import { ConfigError, loadConfig } from './config.loader';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'emit-hub-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Record<string, string> = {}, argv: string[] = []) =>
    loadConfig({ env, argv, cwd: dir });

  it('has the documented defaults with no file and no env', () => {
    const { config, file } = load();
    expect(file).toBeNull();
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      log_level: 'info',
      db_path: 'emit_hub.db',
      max_connections_per_channel: 1000,
      message_size_limit: 1048576,
      websocket: { connection_timeout: 30, ping_interval: 30 },
      persistence: {
        persist_messages_default: false,
        message_retention_days: 30,
        auto_backup: false,
      },
    });
  });

  it('applies defaults < TOML < env', () => {
    writeFileSync(
      join(dir, 'emit_hub.toml'),
      'port = 3000\nlog_level = "debug"\n[websocket]\nping_interval = 45\n[cors]\nallowed_origins = ["*"]\n',
    );
    const { config, file } = load({ EMIT_HUB_PORT: '4000' });
    expect(file).toBe(join(dir, 'emit_hub.toml'));
    expect(config.port).toBe(4000);
    expect(config.log_level).toBe('debug');
    expect(config.websocket.ping_interval).toBe(45);
    expect(config.cors.allowed_origins).toEqual(['*']);
  });

  it('takes the file from --config, then EMIT_HUB_CONFIG', () => {
    writeFileSync(join(dir, 'a.toml'), 'port = 1111\n');
    writeFileSync(join(dir, 'b.toml'), 'port = 2222\n');
    expect(load({ EMIT_HUB_CONFIG: 'b.toml' }, ['--config', 'a.toml']).config.port).toBe(1111);
    expect(load({ EMIT_HUB_CONFIG: 'b.toml' }).config.port).toBe(2222);
  });

  it('parses env booleans and lists', () => {
    const { config } = load({
      EMIT_HUB_PERSIST_MESSAGES: 'true',
      EMIT_HUB_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.persistence.persist_messages_default).toBe(true);
    expect(config.cors.allowed_origins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names every bad key and its allowed range in one error', () => {
    writeFileSync(join(dir, 'emit_hub.toml'), '[websocket]\nping_interval = 0\nbogus = 1\n');
    let error: unknown;
    try {
      load({ EMIT_HUB_PORT: '70000', EMIT_HUB_LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('EMIT_HUB_PORT: got "70000", expected an integer from 0 to 65535');
    expect(message).toContain('EMIT_HUB_LOG_LEVEL');
    expect(message).toMatch(
      /websocket\.ping_interval in .*: got 0, expected an integer from 1 to 3600/,
    );
    expect(message).toContain('websocket.bogus');
  });

  it('reports a TOML syntax error with the file name', () => {
    writeFileSync(join(dir, 'emit_hub.toml'), 'port = = 3\n');
    expect(() => load()).toThrow(/emit_hub\.toml/);
  });
});

describe('README configuration table', () => {
  it('is the one generated from the schema (run `npm run docs:config` after changing settings)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme
      .split('<!-- config-table:start -->')[1]
      ?.split('<!-- config-table:end -->')[0]
      ?.trim();
    expect(section).toBe(configTableMarkdown());
  });
});
