import { ConflictException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { DataSource } from 'typeorm';
import { HubConfig } from '../config/config.schema';
import { AdminController } from './admin.controller';
import {
  BACKUP_FIRST_CHECK_MS,
  BACKUP_MAX_SLEEP_MS,
  BACKUP_RETRY_MS,
  BackupCancelledError,
  BackupResult,
  BackupService,
  BackupUnsupportedError,
} from './backup.service';

const HOUR = 60 * 60_000;

function config(persistence: Partial<HubConfig['persistence']> = {}): HubConfig {
  return {
    persistence: { auto_backup: true, backup_interval_hours: 24, backup_keep: 7, ...persistence },
  } as HubConfig;
}

const dataSource = (type: string, database?: string) =>
  ({ options: { type, database } }) as unknown as DataSource;

/** The schedule alone: the backup folder and the copy are replaced by an in-memory list. */
function scheduled(cfg: HubConfig, existing: number[] = []) {
  const service = new BackupService(dataSource('sqlite', '/nowhere/hub.db'), cfg);
  const times = [...existing];
  jest
    .spyOn(service as unknown as { list(): Promise<unknown[]> }, 'list')
    .mockImplementation(() =>
      Promise.resolve([...times].sort((a, b) => b - a).map((time) => ({ name: '', time, n: 0 }))),
    );
  const backup = jest.spyOn(service, 'backup').mockImplementation(() => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    times.push(now);
    return Promise.resolve({
      path: '',
      size_bytes: 1,
      created_at: new Date(now).toISOString(),
    } satisfies BackupResult);
  });
  return { service, backup };
}

describe('BackupService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('on PostgreSQL', () => {
    it('refuses backups, and the endpoint answers 409 pointing to pg_dump', async () => {
      const service = new BackupService(dataSource('postgres'), config());
      expect(service.supported).toBe(false);
      await expect(service.backup()).rejects.toBeInstanceOf(BackupUnsupportedError);
      const answer = new AdminController(service).backup();
      await expect(answer).rejects.toBeInstanceOf(ConflictException);
      await expect(answer).rejects.toThrow(/pg_dump/);
    });

    it('with auto_backup, warns once at start and schedules nothing', () => {
      jest.useFakeTimers();
      const warn = jest.spyOn(Logger.prototype, 'warn');
      new BackupService(dataSource('postgres'), config()).onApplicationBootstrap();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][1]).toMatch(/pg_dump/);
      expect(jest.getTimerCount()).toBe(0);

      warn.mockClear();
      new BackupService(
        dataSource('postgres'),
        config({ auto_backup: false }),
      ).onApplicationBootstrap();
      expect(warn).not.toHaveBeenCalled();
    });
  });

  it('the endpoint answers 503 when the backup was cancelled by a shutdown', async () => {
    const service = new BackupService(dataSource('sqlite', '/nowhere/hub.db'), config());
    jest.spyOn(service, 'backup').mockRejectedValue(new BackupCancelledError());
    await expect(new AdminController(service).backup()).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
  });

  describe('automatic backups', () => {
    beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));

    it('with none yet, takes one shortly after start, then one every backup_interval_hours', async () => {
      const { service, backup } = scheduled(config());
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(BACKUP_FIRST_CHECK_MS - 1);
      expect(backup).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(backup).toHaveBeenCalledTimes(1);
      expect(backup).toHaveBeenLastCalledWith('auto');

      await jest.advanceTimersByTimeAsync(24 * HOUR - 2000);
      expect(backup).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(2000);
      expect(backup).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(24 * HOUR);
      expect(backup).toHaveBeenCalledTimes(3);
      await service.onModuleDestroy();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('counts from the newest backup on disk, so a restart neither adds nor skips one', async () => {
      const { service, backup } = scheduled(config(), [Date.now() - 20 * HOUR]);
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(4 * HOUR - 1000);
      expect(backup).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(2000);
      expect(backup).toHaveBeenCalledTimes(1);
      await service.onModuleDestroy();
    });

    it('reads auto_backup and backup_interval_hours live', async () => {
      const cfg = config({ auto_backup: false });
      const { service, backup } = scheduled(cfg);
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(10 * 24 * HOUR);
      expect(backup).not.toHaveBeenCalled();

      cfg.persistence.auto_backup = true;
      await jest.advanceTimersByTimeAsync(BACKUP_MAX_SLEEP_MS);
      expect(backup).toHaveBeenCalledTimes(1);

      cfg.persistence.backup_interval_hours = 48;
      await jest.advanceTimersByTimeAsync(47 * HOUR);
      expect(backup).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(2 * HOUR);
      expect(backup).toHaveBeenCalledTimes(2);
      await service.onModuleDestroy();
    });

    it('handles intervals longer than a timer can wait (8760 h)', async () => {
      const { service, backup } = scheduled(config({ backup_interval_hours: 8760 }));
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(BACKUP_FIRST_CHECK_MS);
      expect(backup).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(30 * 24 * HOUR);
      expect(backup).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(336 * 24 * HOUR);
      expect(backup).toHaveBeenCalledTimes(2);
      await service.onModuleDestroy();
    });

    it('logs a failed backup and tries again later, without throwing', async () => {
      const { service, backup } = scheduled(config());
      backup.mockRejectedValueOnce(new Error('disk full'));
      const error = jest.spyOn(Logger.prototype, 'error');
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(BACKUP_FIRST_CHECK_MS);
      expect(backup).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ err: expect.objectContaining({ message: 'disk full' }) }),
        expect.any(String),
      );
      await jest.advanceTimersByTimeAsync(BACKUP_RETRY_MS - 1000);
      expect(backup).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1000);
      expect(backup).toHaveBeenCalledTimes(2);
      await service.onModuleDestroy();
    });

    it('its timer does not keep the process alive', async () => {
      jest.useRealTimers();
      const { service } = scheduled(config());
      service.onApplicationBootstrap();
      expect((service as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(false);
      await service.onModuleDestroy();
    });
  });

  describe('on a real SQLite file', () => {
    let dir: string;
    let file: string;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'emit-hub-backup-'));
      file = join(dir, 'hub.db');
      const db = new Database(file);
      await new Promise<void>((resolve, reject) =>
        db.exec(
          "PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a');",
          (err) => (err ? reject(err) : db.close(() => resolve())),
        ),
      );
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('never runs two copies at once', async () => {
      const service = new BackupService(dataSource('sqlite', file), config());
      const vacuum = service as unknown as { vacuumInto(target: string): Promise<void> };
      const original = vacuum.vacuumInto.bind(service);
      let active = 0;
      let most = 0;
      jest.spyOn(vacuum, 'vacuumInto').mockImplementation(async (target: string) => {
        most = Math.max(most, ++active);
        try {
          await new Promise((r) => setTimeout(r, 20));
          await original(target);
        } finally {
          active--;
        }
      });
      const results = await Promise.all([service.backup(), service.backup(), service.backup()]);
      expect(most).toBe(1);
      expect(new Set(results.map((r) => r.path)).size).toBe(3);
    });

    it('a shutdown interrupts a copy in progress, removes its partial file, cancels the queue', async () => {
      const db = new Database(file);
      await new Promise<void>((resolve, reject) =>
        db.exec(
          'INSERT INTO t SELECT hex(randomblob(5000)) FROM (WITH RECURSIVE c(i) AS ' +
            '(SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 8000) SELECT i FROM c);',
          (err) => (err ? reject(err) : db.close(() => resolve())),
        ),
      );
      const service = new BackupService(dataSource('sqlite', file), config());
      const first = service.backup();
      const second = service.backup();
      const internals = service as unknown as { active?: Database };
      while (!internals.active) await new Promise((r) => setImmediate(r));
      await service.onModuleDestroy();

      await expect(first).rejects.toBeInstanceOf(BackupCancelledError);
      await expect(second).rejects.toBeInstanceOf(BackupCancelledError);
      await expect(service.backup()).rejects.toBeInstanceOf(BackupCancelledError);
      expect(readdirSync(join(dir, 'backups'))).toEqual([]);
    });
  });
});
