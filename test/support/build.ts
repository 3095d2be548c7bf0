import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { PG_ADMIN_URL } from './databases';

/**
 * e2e global setup: builds `dist/` once (for the specs that run the real process) and finds out
 * whether PostgreSQL answers, for the specs that run against both databases.
 */
export default async function setup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });

  const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.EMIT_HUB_TEST_PG = '1';
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (process.env.EMIT_HUB_TEST_REQUIRE_POSTGRES === '1') {
      throw new Error(
        `PostgreSQL is required (EMIT_HUB_TEST_REQUIRE_POSTGRES=1) but ${PG_ADMIN_URL} did not answer: ${why}`,
      );
    }
    process.env.EMIT_HUB_TEST_PG = '0';
    process.stdout.write(
      `\nPostgreSQL did not answer at ${PG_ADMIN_URL} (${why}): the PostgreSQL runs of the persistence specs are left out; SQLite runs as usual. Set EMIT_HUB_TEST_PG_URL to point at a server.\n`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
