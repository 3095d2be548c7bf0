import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';

/** A PostgreSQL server where test databases may be created and dropped. */
export const PG_ADMIN_URL =
  process.env.EMIT_HUB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type Backend = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL when the global setup found it answering. */
export const BACKENDS: Backend[] =
  process.env.EMIT_HUB_TEST_PG === '1' ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  /** `EMIT_HUB_*` variables selecting this database. */
  env: Record<string, string>;
  /** For `startApp`'s required dbPath (unused with PostgreSQL). */
  dbPath: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind. */
export async function createDatabase(backend: Backend, dir: string): Promise<TestDatabase> {
  const dbPath = join(dir, `hub-${randomBytes(4).toString('hex')}.db`);
  if (backend === 'sqlite') return { env: {}, dbPath, drop: () => Promise.resolve() };
  const name = `emit_hub_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    env: { EMIT_HUB_DATABASE_URL: url.toString() },
    dbPath,
    drop: async () => {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
