import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CliResult, generateConfig, runCli } from './cli';
import { getPath, loadConfig } from './config.loader';
import { SETTINGS } from './config.schema';

const PKG_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** The lines of one `--show-env-vars` block, from its title to the next blank line. */
function block(stdout: string, title: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${title}  (`));
  if (start < 0) throw new Error(`no block for ${title}`);
  const end = lines.indexOf('', start);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('runCli', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'emit-hub-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (argv: string[], env: Record<string, string> = {}): CliResult => {
    const result = runCli(argv, env, dir);
    if (!result) throw new Error(`runCli(${argv.join(' ')}) returned null`);
    return result;
  };

  describe('starting the service', () => {
    it.each([[[]], [['--config', 'emit_hub.toml']], [['--config=./x.toml']]])(
      'returns null for %j (no CLI flag: start)',
      (argv) => {
        expect(runCli(argv, {}, dir)).toBeNull();
      },
    );
  });

  describe('--help', () => {
    it.each(['--help', '-h'])('%s prints the usage and exits 0', (flag) => {
      const { exitCode, stdout, stderr } = run([flag]);
      expect(exitCode).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/real-time broadcasting/i);
      for (const option of [
        '--help',
        '--version',
        '--show-env-vars',
        '--generate-config',
        '--config PATH',
      ]) {
        expect(stdout).toContain(option);
      }
      expect(stdout).toContain('/docs');
      expect(stdout).toContain('emit-hub --generate-config > emit_hub.toml');
    });

    it('stays within 100 columns', () => {
      for (const line of run(['--help']).stdout.split('\n')) {
        expect(line.length).toBeLessThanOrEqual(100);
      }
    });
  });

  describe('--version', () => {
    it.each(['--version', '-v'])('%s prints the package version and exits 0', (flag) => {
      const { exitCode, stdout, stderr } = run([flag]);
      expect(exitCode).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(`emit-hub ${PKG_VERSION}\n`);
    });

    it('also with --config given', () => {
      expect(run(['--config', 'x.toml', '--version']).stdout).toContain(PKG_VERSION);
    });
  });

  describe('bad arguments', () => {
    it.each(['--verbose', '-x', '--port=3000', '--help-me'])(
      'refuses the unknown option %s with exit 2, naming it and pointing at --help',
      (flag) => {
        const { exitCode, stdout, stderr } = run([flag]);
        expect(exitCode).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toContain(flag);
        expect(stderr).toContain('--help');
      },
    );

    it('refuses an unknown option even next to a known one', () => {
      expect(run(['--version', '--bogus']).exitCode).toBe(2);
    });

    it('refuses a stray argument', () => {
      const { exitCode, stderr } = run(['start']);
      expect(exitCode).toBe(2);
      expect(stderr).toContain('"start"');
      expect(stderr).toContain('--help');
    });

    it.each([[['--config']], [['--config=']]])('refuses %j without a PATH', (argv) => {
      const { exitCode, stderr } = run(argv);
      expect(exitCode).toBe(2);
      expect(stderr).toContain('--config needs a PATH');
    });

    it('takes the value after --config as the PATH, not as an option', () => {
      expect(runCli(['--config', '-odd-name.toml'], {}, dir)).toBeNull();
    });
  });

  describe('--show-env-vars', () => {
    it('lists every env var with its default, current value, allowed range and meaning', () => {
      const { exitCode, stdout, stderr } = run(['--show-env-vars']);
      expect(exitCode).toBe(0);
      expect(stderr).toBe('');
      const withEnv = SETTINGS.filter((s) => s.env);
      expect(withEnv.length).toBeGreaterThan(10);
      for (const def of withEnv) {
        const text = block(stdout, def.env!);
        expect(text).toContain(def.key);
        expect(text).toMatch(/current {3}\S/);
        expect(text).toMatch(/default {3}\S/);
        expect(text).toMatch(/allowed {3}\S/);
        expect(text.replace(/\s+/g, ' ')).toContain(def.description);
      }
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('default   8080');
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   8080  (default)');
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('an integer from 0 to 65535');
      expect(block(stdout, 'EMIT_HUB_LOG_LEVEL')).toContain('one of trace, debug, info');
      expect(block(stdout, 'EMIT_HUB_CORS_ORIGINS')).toContain(
        'current   http://localhost,http://127.0.0.1',
      );
      expect(stdout).toContain('EMIT_HUB_CONFIG');
    });

    it('lists the TOML-only settings in a second section', () => {
      const { stdout } = run(['--show-env-vars']);
      const second = stdout.slice(stdout.indexOf('Settings only in the TOML file'));
      expect(second.length).toBeLessThan(stdout.length);
      for (const def of SETTINGS.filter((s) => !s.env)) {
        expect(block(second, def.key)).toContain('default');
      }
      expect(block(second, 'persistence.backup_keep')).toContain('current   7  (default)');
    });

    it('shows the current value from the environment', () => {
      const { exitCode, stdout } = run(['--show-env-vars'], {
        EMIT_HUB_PORT: '3000',
        EMIT_HUB_PERSIST_MESSAGES: 'yes',
        EMIT_HUB_CORS_ORIGINS: 'https://a.example, https://b.example',
      });
      expect(exitCode).toBe(0);
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   3000  (from EMIT_HUB_PORT)');
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('default   8080');
      // The value as EmitHub reads it, after validation.
      expect(block(stdout, 'EMIT_HUB_PERSIST_MESSAGES')).toContain('current   true');
      expect(block(stdout, 'EMIT_HUB_CORS_ORIGINS')).toContain(
        'current   https://a.example,https://b.example',
      );
    });

    it('shows the current value from ./emit_hub.toml, and env over file', () => {
      writeFileSync(
        join(dir, 'emit_hub.toml'),
        'port = 4000\nlog_level = "debug"\n[websocket]\nping_interval = 45\npong_timeout = 20\n',
      );
      const { exitCode, stdout } = run(['--show-env-vars'], { EMIT_HUB_LOG_LEVEL: 'warn' });
      expect(exitCode).toBe(0);
      expect(stdout).toContain(join(dir, 'emit_hub.toml'));
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   4000  (from the TOML file)');
      expect(block(stdout, 'EMIT_HUB_WS_PING_INTERVAL')).toContain('current   45');
      expect(block(stdout, 'EMIT_HUB_LOG_LEVEL')).toContain(
        'current   warn  (from EMIT_HUB_LOG_LEVEL)',
      );
      expect(block(stdout, 'websocket.pong_timeout')).toContain('current   20');
    });

    it('reads the file given with --config PATH and --config=PATH', () => {
      writeFileSync(join(dir, 'other.toml'), 'port = 4321\n');
      for (const argv of [
        ['--show-env-vars', '--config', 'other.toml'],
        ['--config=other.toml', '--show-env-vars'],
      ]) {
        const { exitCode, stdout } = run(argv);
        expect(exitCode).toBe(0);
        expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   4321');
        expect(stdout).toContain(join(dir, 'other.toml'));
      }
    });

    it('never prints a secret: only (set) or (unset)', () => {
      const apiKey = 'k3y-that-must-not-leak';
      const dbUrl = 'postgres://emit:pa55word-not-to-leak@db.example:5432/hub';
      const unset = run(['--show-env-vars']).stdout;
      expect(block(unset, 'EMIT_HUB_API_KEY')).toContain('current   (unset)');
      expect(block(unset, 'EMIT_HUB_DATABASE_URL')).toContain('current   (unset)');

      const { exitCode, stdout, stderr } = run(['--show-env-vars'], {
        EMIT_HUB_API_KEY: apiKey,
        EMIT_HUB_DATABASE_URL: dbUrl,
      });
      expect(exitCode).toBe(0);
      expect(block(stdout, 'EMIT_HUB_API_KEY')).toContain('current   (set)');
      expect(block(stdout, 'EMIT_HUB_DATABASE_URL')).toContain('current   (set)');
      expect(stdout + stderr).not.toContain(apiKey);
      expect(stdout + stderr).not.toContain('pa55word-not-to-leak');
    });

    it('hides a secret from the TOML file too, even when it is invalid', () => {
      writeFileSync(join(dir, 'emit_hub.toml'), 'api_key = 987654321\n');
      const { exitCode, stdout, stderr } = run(['--show-env-vars']);
      expect(exitCode).toBe(1);
      expect(block(stdout, 'EMIT_HUB_API_KEY')).toContain('current   (set)');
      expect(stderr).toContain('api_key');
      expect(stdout + stderr).not.toContain('987654321');
    });

    it('still prints the table on an invalid configuration, with the error on stderr and exit 1', () => {
      const { exitCode, stdout, stderr } = run(['--show-env-vars'], {
        EMIT_HUB_PORT: '99999',
        EMIT_HUB_HOST: '0.0.0.0',
      });
      expect(exitCode).toBe(1);
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   99999  (from EMIT_HUB_PORT)');
      expect(block(stdout, 'EMIT_HUB_HOST')).toContain('current   0.0.0.0');
      expect(stderr).toContain('Invalid configuration');
      expect(stderr).toContain('EMIT_HUB_PORT');
      expect(stderr).toContain('an integer from 0 to 65535');
    });

    it('reports a TOML file that does not parse', () => {
      writeFileSync(join(dir, 'emit_hub.toml'), 'port = = 1\n');
      const { exitCode, stdout, stderr } = run(['--show-env-vars']);
      expect(exitCode).toBe(1);
      expect(block(stdout, 'EMIT_HUB_PORT')).toContain('current   8080  (default)');
      expect(stderr).toContain(join(dir, 'emit_hub.toml'));
    });

    it('stays within 100 columns with the default values', () => {
      for (const line of run(['--show-env-vars']).stdout.split('\n')) {
        if (!line.startsWith('TOML file:')) expect(line.length).toBeLessThanOrEqual(100);
      }
    });
  });

  describe('--generate-config', () => {
    const defaults = () => loadConfig({ env: {}, argv: [], cwd: dir }).config;

    it('prints a TOML document and exits 0, whatever the current configuration', () => {
      const { exitCode, stdout, stderr } = run(['--generate-config'], { EMIT_HUB_PORT: '3000' });
      expect(exitCode).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(generateConfig());
      expect(parseToml(stdout).port).toBe(8080);
    });

    it('starts with a header on precedence and on how to point at the file', () => {
      const header = generateConfig().split('\n\n')[0];
      expect(header).toMatch(/^# EmitHub configuration file/);
      expect(header).toContain('defaults < this file < EMIT_HUB_*');
      expect(header).toContain('--config PATH');
      expect(header).toContain('EMIT_HUB_CONFIG');
    });

    it('parses with smol-toml and holds every setting with its default', () => {
      const text = generateConfig();
      const toml = parseToml(text);
      expect(
        Object.keys(toml).filter((k) => typeof toml[k] === 'object' && !Array.isArray(toml[k])),
      ).toEqual(['cors', 'websocket', 'persistence']);
      for (const def of SETTINGS) {
        const name = def.key.split('.').pop()!;
        if (def.default === null) {
          expect(getPath(toml, def.key)).toBeUndefined();
          expect(text).toContain(`\n# ${name} = ""\n`);
        } else {
          expect(getPath(toml, def.key)).toEqual(def.default);
        }
      }
    });

    it('comments each setting with its description and env var', () => {
      const text = generateConfig();
      const chunks = text.split(/\n\n+/);
      for (const def of SETTINGS) {
        const name = def.key.split('.').pop()!;
        const chunk = chunks.find((c) =>
          c.split('\n').some((l) => l.startsWith(`${name} = `) || l === `# ${name} = ""`),
        );
        expect(chunk).toBeDefined();
        const comments = chunk!
          .split('\n')
          .filter(
            (l) => l.startsWith('# ') && !l.startsWith('# allowed:') && !l.startsWith('# env:'),
          )
          .map((l) => l.slice(2))
          .filter((l) => !l.startsWith(`${name} = `));
        expect(comments.join(' ')).toBe(def.description);
        if (def.env) expect(chunk).toContain(`# env: ${def.env}\n`);
        else expect(chunk).not.toContain('# env:');
      }
    });

    it('round-trips: loading the generated file gives exactly the defaults', () => {
      const file = join(dir, 'generated.toml');
      writeFileSync(file, generateConfig());
      const loaded = loadConfig({ env: {}, argv: ['--config', file], cwd: dir });
      expect(loaded.file).toBe(file);
      expect(loaded.config).toEqual(defaults());
    });

    it('round-trips as ./emit_hub.toml too', () => {
      const expected = defaults();
      writeFileSync(join(dir, 'emit_hub.toml'), run(['--generate-config']).stdout);
      const loaded = loadConfig({ env: {}, argv: [], cwd: dir });
      expect(loaded.file).toBe(join(dir, 'emit_hub.toml'));
      expect(loaded.config).toEqual(expected);
    });

    it('keeps lines within 100 columns', () => {
      for (const line of generateConfig().split('\n')) {
        expect(line.length).toBeLessThanOrEqual(100);
      }
    });
  });
});
