import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';

/** First look at the automatic-backup schedule after start-up. */
export const BACKUP_FIRST_CHECK_MS = 60_000;
/** The schedule is looked at again at least this often (settings may change meanwhile). */
export const BACKUP_MAX_SLEEP_MS = 60 * 60_000;
/** After a failed automatic backup, the next attempt waits this long. */
export const BACKUP_RETRY_MS = 15 * 60_000;

const HOUR_MS = 60 * 60_000;

export interface BackupResult {
  /** Absolute path of the backup file. */
  path: string;
  size_bytes: number;
  /** ISO 8601 UTC. */
  created_at: string;
}

/** The database is not SQLite: there is no built-in backup. */
export class BackupUnsupportedError extends Error {
  constructor(type: string) {
    super(
      `Backups are built in only for SQLite; this database is ${type}: back it up with pg_dump`,
    );
    this.name = 'BackupUnsupportedError';
  }
}

/** The service is shutting down: the backup was not taken, or was stopped and removed. */
export class BackupCancelledError extends Error {
  constructor() {
    super('The service is shutting down: the backup was cancelled');
    this.name = 'BackupCancelledError';
  }
}

/** `20261127T215700Z` */
function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds since the epoch of a `20261127T215700Z` stamp. */
function parseStamp(s: string): number {
  return Date.UTC(
    Number(s.slice(0, 4)),
    Number(s.slice(4, 6)) - 1,
    Number(s.slice(6, 8)),
    Number(s.slice(9, 11)),
    Number(s.slice(11, 13)),
    Number(s.slice(13, 15)),
  );
}

interface BackupFile {
  name: string;
  time: number;
  /** Suffix that tells apart backups taken in the same second: 0 for none, then 1, 2… */
  n: number;
}

/**
 * Consistent online copies of the SQLite database with `VACUUM INTO`, into `backups/` beside the
 * database file, named `<db base name>-<UTC stamp>[-n].db`; the newest `persistence.backup_keep`
 * are kept. With `persistence.auto_backup`, one is taken whenever the newest is older than
 * `persistence.backup_interval_hours` (so restarts neither skip nor multiply them).
 *
 * The copy is made on a separate read-only connection: TypeORM's SQLite driver shares one
 * connection for everything, and `VACUUM` fails inside the transaction another writer may have
 * open on it, and would hold that connection (and every broadcast write) for the whole copy.
 * In WAL mode the read-only connection sees one consistent snapshot while writes go on.
 */
@Injectable()
export class BackupService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BackupService.name);
  /** Backups run one at a time: each waits for the previous one. */
  private queue: Promise<unknown> = Promise.resolve();
  private active?: Database;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private retryAt = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectHubConfig() private readonly config: HubConfig,
  ) {}

  /** Built-in backups exist for SQLite only. */
  get supported(): boolean {
    return this.dataSource.options.type === 'sqlite';
  }

  /** The `backups/` folder beside the database file. */
  get directory(): string {
    return join(dirname(this.databaseFile()), 'backups');
  }

  onApplicationBootstrap(): void {
    if (!this.supported) {
      if (this.config.persistence.auto_backup) {
        this.logger.warn(
          { database: this.dataSource.options.type },
          'persistence.auto_backup is set, but built-in backups are for SQLite only: no automatic backups will be taken; use pg_dump',
        );
      }
      return;
    }
    this.schedule(BACKUP_FIRST_CHECK_MS);
  }

  /** Stops the schedule; a copy in progress is interrupted and its partial file removed. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // An interrupt before the statement has started is lost: repeat it until the copy ends.
    this.active?.interrupt();
    const interrupting = setInterval(() => this.active?.interrupt(), 10);
    try {
      await this.queue;
    } finally {
      clearInterval(interrupting);
    }
  }

  /** Takes a backup now, after any backup already in progress. */
  backup(trigger: 'api' | 'auto' = 'api'): Promise<BackupResult> {
    if (!this.supported)
      return Promise.reject(new BackupUnsupportedError(this.dataSource.options.type));
    const run = this.queue.then(() => this.take(trigger));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private databaseFile(): string {
    return resolve(this.dataSource.options.database as string);
  }

  /** Backup files of this database in `dir`, newest first. */
  private async list(dir: string, suffix = ''): Promise<BackupFile[]> {
    const file = this.databaseFile();
    const base = basename(file, extname(file)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^${base}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?\\.db${suffix}$`);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const files: BackupFile[] = [];
    for (const name of names) {
      const m = pattern.exec(name);
      if (m) files.push({ name, time: parseStamp(m[1]), n: m[2] ? Number(m[2]) : 0 });
    }
    return files.sort((a, b) => b.time - a.time || b.n - a.n);
  }

  private async take(trigger: 'api' | 'auto'): Promise<BackupResult> {
    if (this.stopped) throw new BackupCancelledError();
    const started = Date.now();
    const dir = this.directory;
    await mkdir(dir, { recursive: true });
    // Left over by a process that stopped in the middle of a copy.
    for (const partial of await this.list(dir, '\\.partial'))
      await rm(join(dir, partial.name), { force: true });

    const now = new Date();
    const file = this.databaseFile();
    const prefix = `${basename(file, extname(file))}-${stamp(now)}`;
    // Within one second: -1, -2… after the highest suffix there, so the name sorts newest even
    // when earlier ones of that second were already deleted.
    const sameSecond = (await this.list(dir)).filter((f) => f.time === parseStamp(stamp(now)));
    const n = sameSecond.length === 0 ? 0 : Math.max(...sameSecond.map((f) => f.n)) + 1;
    const name = n === 0 ? `${prefix}.db` : `${prefix}-${n}.db`;
    const path = join(dir, name);
    const partial = `${path}.partial`;

    try {
      await this.vacuumInto(partial);
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      if (this.stopped) throw new BackupCancelledError();
      throw err;
    }
    const { size } = await stat(path);
    const removed = await this.prune(dir, name);
    this.logger.log(
      { path, sizeBytes: size, trigger, removed, ms: Date.now() - started },
      `Backup written: ${path} (${size} bytes)`,
    );
    return { path, size_bytes: size, created_at: now.toISOString() };
  }

  /**
   * Keeps `written` and the newest `backup_keep` - 1 others (by the time in their names), deletes
   * the rest; returns how many it deleted. `written` is kept even if the clock went back.
   */
  private async prune(dir: string, written: string): Promise<number> {
    const keep = Math.max(1, Math.floor(this.config.persistence.backup_keep));
    const others = (await this.list(dir)).filter((f) => f.name !== written);
    const old = others.slice(keep - 1);
    for (const f of old) await rm(join(dir, f.name), { force: true });
    return old.length;
  }

  private vacuumInto(target: string): Promise<void> {
    return new Promise<void>((done, fail) => {
      const db = new Database(this.databaseFile(), OPEN_READONLY, (openErr) => {
        if (openErr) return fail(openErr);
        if (this.stopped) return db.close(() => fail(new BackupCancelledError()));
        this.active = db;
        db.configure('busyTimeout', 5000);
        // A bound parameter: the path is never spliced into the SQL text.
        db.run('VACUUM INTO ?', [target], (runErr: Error | null) => {
          this.active = undefined;
          db.close((closeErr) => {
            const err = runErr ?? closeErr;
            if (err) fail(err);
            else done();
          });
        });
      });
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  /** Takes an automatic backup when one is due, then sleeps until the next is due. */
  private async tick(): Promise<void> {
    let next = BACKUP_MAX_SLEEP_MS;
    try {
      const { auto_backup, backup_interval_hours } = this.config.persistence;
      if (auto_backup) {
        const now = Date.now();
        const newest = (await this.list(this.directory))[0];
        const last = newest ? Math.min(newest.time, now) : null;
        const due = Math.max(
          last === null ? now : last + backup_interval_hours * HOUR_MS,
          this.retryAt,
        );
        if (due <= now) {
          try {
            await this.backup('auto');
            next = backup_interval_hours * HOUR_MS;
          } catch (err) {
            if (this.stopped) return;
            this.retryAt = Date.now() + BACKUP_RETRY_MS;
            next = BACKUP_RETRY_MS;
            this.logger.error(
              { err, retryInMs: BACKUP_RETRY_MS },
              'Automatic backup failed; it is tried again later',
            );
          }
        } else {
          next = due - now;
        }
      }
    } catch (err) {
      this.logger.error({ err }, 'Automatic backup schedule failed');
    }
    this.schedule(Math.min(Math.max(next, 1000), BACKUP_MAX_SLEEP_MS));
  }
}
