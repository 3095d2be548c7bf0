import { execFile, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { tempDir } from './support/app';
import { spawnHub } from './support/process';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/main.js ARGS` as its own process, with only PATH and `env` in its environment. */
function runMain(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the emit-hub command line (built dist/main.js)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('is the package bin and starts with a node shebang', () => {
    expect(PKG.bin['emit-hub']).toBe('dist/main.js');
    expect(readFileSync(MAIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('--version prints the package version and exits 0', async () => {
    const run = await runMain(['--version'], tmp.dir);
    expect(run).toEqual({ code: 0, stdout: `emit-hub ${PKG.version}\n`, stderr: '' });
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await runMain(['--help'], tmp.dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const text of ['--show-env-vars', '--generate-config', '--config PATH', '/docs']) {
      expect(run.stdout).toContain(text);
    }
  });

  it('an unknown option exits 2 naming it, without starting', async () => {
    const run = await runMain(['--verbose'], tmp.dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--verbose');
    expect(run.stderr).toContain('--help');
  });

  it('--show-env-vars shows the current value from the environment and exits 0', async () => {
    const run = await runMain(['--show-env-vars'], tmp.dir, {
      EMIT_HUB_PORT: '3000',
      EMIT_HUB_API_KEY: 'super-secret-key',
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    const port = lines.indexOf('EMIT_HUB_PORT  (TOML: port)');
    expect(port).toBeGreaterThan(0);
    expect(lines[port + 1]).toBe('  current   3000  (from EMIT_HUB_PORT)');
    expect(lines[port + 2]).toBe('  default   8080');
    expect(run.stdout).toContain('EMIT_HUB_API_KEY');
    expect(run.stdout).not.toContain('super-secret-key');
  });

  it('--generate-config > file, then --config file: the service starts on the defaults and answers /health', async () => {
    const file = join(tmp.dir, 'generated.toml');
    const fd = openSync(file, 'w');
    try {
      const gen = spawnSync(process.execPath, [MAIN, '--generate-config'], {
        cwd: tmp.dir,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', fd, 'pipe'],
        timeout: 20_000,
      });
      expect(gen.status).toBe(0);
      expect(gen.stderr.toString()).toBe('');
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# EmitHub configuration file/);
    expect(parseToml(text)).toMatchObject({ port: 8080, websocket: { ping_interval: 30 } });

    const hub = await spawnHub({
      cwd: tmp.dir,
      args: ['--config', file],
      env: { EMIT_HUB_PORT: '0' },
    });
    try {
      const health = await fetch(`${hub.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', version: PKG.version });
    } finally {
      hub.kill('SIGTERM');
    }
    expect(await hub.exited).toEqual({ code: 0, signal: null });
    expect(hub.logs.some((l) => String(l.msg).includes(file))).toBe(true);
  });

  it('a bad value stops start-up with exit 1, naming the variable and the allowed range', async () => {
    const run = await runMain([], tmp.dir, { EMIT_HUB_PORT: '99999' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EMIT_HUB_PORT');
    expect(run.stderr).toContain('an integer from 0 to 65535');
    expect(run.stdout).not.toContain('Starting EmitHub');
  });
});
