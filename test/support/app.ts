import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/config.loader';
import { configureApp } from '../../src/configure-app';

export interface TestApp {
  app: INestApplication;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string;
  dbPath: string;
  close(): Promise<void>;
}

/** A folder for one test file's databases; removed by `cleanup()`. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'emit-hub-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Boots the real application (same modules, same `configureApp` as `main.ts`) on an ephemeral
 * port with a real SQLite file. `env` holds `EMIT_HUB_*` overrides; nothing is read from the
 * machine's own environment or config files.
 */
export async function startApp(options: {
  dbPath: string;
  env?: Record<string, string>;
  /** Command-line arguments, e.g. `['--config', file]`. */
  argv?: string[];
}): Promise<TestApp> {
  const sources = {
    env: { EMIT_HUB_LOG_LEVEL: 'silent', EMIT_HUB_DB_PATH: options.dbPath, ...options.env },
    argv: options.argv ?? [],
    cwd: tmpdir(),
  };
  const { config } = loadConfig(sources);
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, sources)],
  }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true, bodyParser: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    dbPath: options.dbPath,
    close: () => app.close(),
  };
}
