import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface HubProcess {
  proc: ChildProcess;
  baseUrl: string;
  wsUrl: string;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/**
 * Runs the built service (`node dist/main.js`) as its own process on a free port, as an
 * operator would, and resolves once it logs the address it listens on.
 */
export function spawnHub(options: {
  cwd: string;
  env?: Record<string, string>;
  /** Extra command-line arguments after `dist/main.js` (e.g. `--config FILE`). */
  args?: string[];
  timeoutMs?: number;
}): Promise<HubProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    EMIT_HUB_PORT: '0',
    EMIT_HUB_HOST: '127.0.0.1',
    ...options.env,
  };
  const proc = spawn(process.execPath, [MAIN, ...(options.args ?? [])], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `EmitHub did not start within ${options.timeoutMs ?? 15000} ms; stderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 15000);
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (typeof entry.port === 'number' && String(entry.msg).includes('Starting EmitHub')) {
          clearTimeout(timer);
          resolve({
            proc,
            baseUrl: `http://127.0.0.1:${entry.port}`,
            wsUrl: `ws://127.0.0.1:${entry.port}`,
            logs,
            exited,
            kill: (signal = 'SIGTERM') => proc.kill(signal),
          });
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`EmitHub exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}
