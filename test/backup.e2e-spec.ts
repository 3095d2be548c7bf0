import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DataSource } from 'typeorm';
import { HubConfig } from '../src/config/config.schema';
import { HUB_CONFIG } from '../src/config/hub.config';
import { MessageEntity } from '../src/history/message.entity';
import { startApp, tempDir, TestApp } from './support/app';
import { BACKENDS, createDatabase } from './support/databases';
import { api } from './support/http';

const NAME = /^hub-\d{8}T\d{6}Z(?:-\d+)?\.db$/;

/** Every row of a table in a SQLite file, opened read-only. */
function rowsOf(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, (queryErr: Error | null, rows: Array<Record<string, unknown>>) => {
        db.close();
        if (queryErr) reject(queryErr);
        else resolve(rows);
      });
    });
  });
}

function insertMessages(t: TestApp, channelId: string, count: number): Promise<unknown> {
  const createdAt = new Date().toISOString();
  return t.app
    .get(DataSource)
    .getRepository(MessageEntity)
    .insert(
      Array.from({ length: count }, (_, i) => ({
        channelId,
        seq: i + 1,
        id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        content: `turn A00${i + 1}`,
        data: JSON.stringify({ n: i + 1 }),
        messageType: 'Broadcast',
        createdAt,
      })),
    );
}

describe('backups', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  describe('POST /api/v1/admin/backup', () => {
    let t: TestApp;
    let http: ReturnType<typeof api>;
    let config: HubConfig;
    const dbPath = join(tmp.dir, 'main', 'hub.db');
    const backups = join(tmp.dir, 'main', 'backups');
    const listBackups = () => readdirSync(backups).filter((f) => NAME.test(f));

    beforeAll(async () => {
      t = await startApp({ dbPath });
      http = api(t.baseUrl);
      config = t.app.get<HubConfig>(HUB_CONFIG);
    });
    afterAll(() => t.close());
    beforeEach(() => {
      config.persistence.backup_keep = 7;
      rmSync(backups, { recursive: true, force: true });
    });

    it('writes a consistent copy beside the database, with the channels and messages', async () => {
      const turns = await http.activeChannel({
        name: 'Sistema de Turnos',
        settings: { persist_messages: true, rate_limit_per_minute: 0 },
      });
      const other = await http.createChannel({ name: 'Other' });
      await insertMessages(t, turns, 3);

      const before = Date.now();
      const res = await http.post('/api/v1/admin/backup');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        path: expect.any(String),
        size_bytes: expect.any(Number),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      const { path, size_bytes } = res.body;
      expect(isAbsolute(path)).toBe(true);
      expect(dirname(path)).toBe(backups);
      expect(basename(path)).toMatch(NAME);
      expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(statSync(path).size).toBe(size_bytes);
      expect(size_bytes).toBeGreaterThan(0);
      expect(readdirSync(backups)).toEqual([basename(path)]); // no partial file left

      const channels = await rowsOf(path, 'SELECT id, name, status FROM channels');
      expect(channels).toEqual(
        expect.arrayContaining([
          { id: turns, name: 'Sistema de Turnos', status: 'Active' },
          { id: other, name: 'Other', status: 'Created' },
        ]),
      );
      const messages = await rowsOf(
        path,
        `SELECT seq, content, data FROM messages WHERE channel_id = '${turns}' ORDER BY seq`,
      );
      expect(messages).toEqual([
        { seq: 1, content: 'turn A001', data: '{"n":1}' },
        { seq: 2, content: 'turn A002', data: '{"n":2}' },
        { seq: 3, content: 'turn A003', data: '{"n":3}' },
      ]);
      // A standalone file: no WAL needed to read it.
      expect((await rowsOf(path, 'PRAGMA journal_mode'))[0].journal_mode).not.toBe('wal');
    });

    it('serves simultaneous requests one at a time, each with its own file', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => http.post('/api/v1/admin/backup')));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const paths = results.map((r) => r.body.path as string);
      expect(new Set(paths).size).toBe(4);
      for (const r of results) expect(statSync(r.body.path).size).toBe(r.body.size_bytes);
      expect(listBackups().sort()).toEqual(paths.map((p) => basename(p)).sort());
    });

    it('keeps the newest backup_keep backups and deletes only older backups', async () => {
      config.persistence.backup_keep = 2;
      writeFileSync(join(dirname(backups), 'keep-me.db'), 'x');
      const old = ['hub-20200101T000000Z.db', 'hub-20200101T000000Z-1.db'];
      const unrelated = ['other-20200101T000000Z.db', 'hub-notes.txt', 'hub-20200101.db'];
      mkdirSync(backups, { recursive: true });
      for (const f of [...old, ...unrelated]) writeFileSync(join(backups, f), 'x');

      const paths: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await http.post('/api/v1/admin/backup');
        expect(res.status).toBe(200);
        paths.push(res.body.path);
      }
      expect(listBackups().sort()).toEqual(
        paths
          .slice(1)
          .map((p) => basename(p))
          .sort(),
      );
      for (const f of unrelated) expect(existsSync(join(backups, f))).toBe(true);
      expect(existsSync(join(dirname(backups), 'keep-me.db'))).toBe(true);

      config.persistence.backup_keep = 1;
      const last = (await http.post('/api/v1/admin/backup')).body.path;
      expect(listBackups()).toEqual([basename(last)]);
    });

    it('restores: a backup copied over a fresh database path starts with its channels', async () => {
      const id = await http.activeChannel({ name: 'To restore', description: 'from backup' });
      await insertMessages(t, id, 2);
      const backup = (await http.post('/api/v1/admin/backup')).body.path as string;
      const expected = (await http.get(`/api/v1/channels/${id}`)).body;

      const restored = join(tmp.dir, 'restored', 'hub.db');
      mkdirSync(dirname(restored), { recursive: true });
      copyFileSync(backup, restored);
      const second = await startApp({ dbPath: restored });
      try {
        const got = await api(second.baseUrl).get(`/api/v1/channels/${id}`);
        expect(got.status).toBe(200);
        expect(got.body).toMatchObject({
          id,
          name: 'To restore',
          description: 'from backup',
          status: 'Active',
          settings: expected.settings,
        });
        const stored = await second.app
          .get(DataSource)
          .getRepository(MessageEntity)
          .find({ where: { channelId: id }, order: { seq: 'ASC' } });
        expect(stored.map((m) => m.content)).toEqual(['turn A001', 'turn A002']);
      } finally {
        await second.close();
      }
    });
  });

  it('with EMIT_HUB_API_KEY set, needs the key', async () => {
    const t = await startApp({
      dbPath: join(tmp.dir, 'keyed', 'hub.db'),
      env: { EMIT_HUB_API_KEY: 'backup-secret' },
    });
    try {
      const http = api(t.baseUrl);
      const none = await http.post('/api/v1/admin/backup');
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ statusCode: 401 });
      const wrong = await http.post('/api/v1/admin/backup', undefined, {
        authorization: 'Bearer nope',
      });
      expect(wrong.status).toBe(401);
      expect(existsSync(join(tmp.dir, 'keyed', 'backups'))).toBe(false);

      const ok = await http.post('/api/v1/admin/backup', undefined, {
        authorization: 'Bearer backup-secret',
      });
      expect(ok.status).toBe(200);
      expect(statSync(ok.body.path).size).toBe(ok.body.size_bytes);
    } finally {
      await t.close();
    }
  });

  const onPostgres = BACKENDS.includes('postgres') ? it : it.skip;
  onPostgres('on PostgreSQL answers 409 and points to pg_dump', async () => {
    const db = await createDatabase('postgres', tmp.dir);
    const t = await startApp({ dbPath: db.dbPath, env: db.env });
    try {
      const res = await api(t.baseUrl).post('/api/v1/admin/backup');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(res.body.message).toMatch(/pg_dump/);
      expect(existsSync(join(dirname(db.dbPath), 'backups'))).toBe(false);
    } finally {
      await t.close();
      await db.drop();
    }
  });

  it('names the backup after the database file, even with a quote in the path', async () => {
    const dbPath = join(tmp.dir, "it's here", 'emit_hub.db');
    const t = await startApp({ dbPath });
    try {
      const res = await api(t.baseUrl).post('/api/v1/admin/backup');
      expect(res.status).toBe(200);
      expect(dirname(res.body.path)).toBe(join(tmp.dir, "it's here", 'backups'));
      expect(basename(res.body.path)).toMatch(/^emit_hub-\d{8}T\d{6}Z(?:-\d+)?\.db$/);
      expect(await rowsOf(res.body.path, 'SELECT COUNT(*) AS n FROM channels')).toEqual([{ n: 0 }]);
    } finally {
      await t.close();
    }
  });
});
