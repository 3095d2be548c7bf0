import { DataSource } from 'typeorm';
import { startApp, tempDir, TestApp } from './support/app';
import { BACKENDS, createDatabase, TestDatabase } from './support/databases';
import { api } from './support/http';
import { Frame, WsClient } from './support/ws-client';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(BACKENDS)('persistence and history on %s', (backend) => {
  let db: TestDatabase;
  let t: TestApp;
  let http: ReturnType<typeof api>;
  const persisted = { settings: { persist_messages: true, rate_limit_per_minute: 0 } };
  const clients: WsClient[] = [];
  const connect = async (id: string, query = '') => {
    const c = await WsClient.connect(`${t.wsUrl}/api/v1/channels/${id}/ws${query}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createDatabase(backend, tmp.dir);
    t = await startApp({ dbPath: db.dbPath, env: db.env });
    http = api(t.baseUrl);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('stores a broadcast before answering, and the history API returns it as its frame', async () => {
    const id = await http.activeChannel(persisted);
    const res = await http.post(`/api/v1/channels/${id}/broadcast`, {
      content: 'A004',
      data: { room: 3, tags: ['x'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.persisted).toBe(true);
    const history = await http.get(`/api/v1/channels/${id}/messages`);
    expect(history.status).toBe(200);
    expect(history.body).toEqual([
      {
        status: 'broadcast',
        message: 'A004',
        channel_id: id,
        timestamp: res.body.timestamp,
        data: { room: 3, tags: ['x'] },
        seq: 1,
        id: res.body.id,
      },
    ]);
  });

  it('pages with after_seq and limit, in seq order', async () => {
    const id = await http.activeChannel(persisted);
    for (let i = 1; i <= 12; i++)
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` });
    const page = await http.get(`/api/v1/channels/${id}/messages?after_seq=4&limit=5`);
    expect(page.body.map((f: Frame) => f.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(page.body.map((f: Frame) => f.message)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    expect((await http.get(`/api/v1/channels/${id}/messages?after_seq=12`)).body).toEqual([]);
    expect((await http.get(`/api/v1/channels/${id}/messages`)).body).toHaveLength(12);
  });

  it('answers 400 for bad parameters and 404 for an unknown channel', async () => {
    const id = await http.activeChannel(persisted);
    for (const q of [
      'after_seq=-1',
      'after_seq=abc',
      'limit=0',
      'limit=1001',
      'limit=2.5',
      'extra=1',
    ]) {
      const res = await http.get(`/api/v1/channels/${id}/messages?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    expect(
      (await http.get('/api/v1/channels/550e8400-e29b-41d4-a716-446655440000/messages')).status,
    ).toBe(404);
  });

  it('stores nothing for a channel without persist_messages', async () => {
    const id = await http.activeChannel({ settings: { persist_messages: false } });
    const res = await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'ephemeral' });
    expect(res.body.persisted).toBe(false);
    expect((await http.get(`/api/v1/channels/${id}/messages`)).body).toEqual([]);
  });

  it('group-commits concurrent broadcasts: 300 at once are all stored exactly once, seq 1..300', async () => {
    const id = await http.activeChannel(persisted);
    const results = await Promise.all(
      range(1, 300).map((i) => http.post(`/api/v1/channels/${id}/broadcast`, { content: `c${i}` })),
    );
    expect(results.every((r) => r.status === 200 && r.body.persisted)).toBe(true);
    expect(results.map((r) => r.body.seq).sort((a, b) => a - b)).toEqual(range(1, 300));
    const stored = [
      ...(await http.get(`/api/v1/channels/${id}/messages?limit=1000`)).body,
    ] as Frame[];
    expect(stored.map((f) => f.seq)).toEqual(range(1, 300));
    expect(new Set(stored.map((f) => f.id)).size).toBe(300);
  });

  it('?since=N replays every stored broadcast after N, then live ones', async () => {
    const id = await http.activeChannel(persisted);
    for (let i = 1; i <= 10; i++)
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` });
    const c = await connect(id, '?since=6');
    expect((await c.next()).status).toBe('connected');
    await c.next((f) => f.seq === 10);
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'live' });
    await c.next((f) => f.message === 'live');
    expect(c.all('broadcast').map((f) => f.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(c.all('error')).toEqual([]);
  });

  it('has no gap and no duplicate when broadcasts go on during the replay', async () => {
    const id = await http.activeChannel(persisted);
    await Promise.all(
      range(1, 600).map((i) =>
        http.post(`/api/v1/channels/${id}/broadcast`, { content: `before ${i}` }),
      ),
    );
    // Keep publishing while the client connects and replays.
    let stop = false;
    let published = 600;
    const publisher = (async () => {
      while (!stop && published < 1500) {
        await Promise.all(
          range(1, 20).map(() =>
            http.post(`/api/v1/channels/${id}/broadcast`, { content: 'during' }),
          ),
        );
        published += 20;
      }
    })();
    const c = await connect(id, '?since=0');
    await c.next((f) => f.status === 'broadcast' && f.seq! > 700, 15000);
    stop = true;
    await publisher;
    await c.next((f) => f.seq === published, 15000);
    expect(c.all('broadcast').map((f) => f.seq)).toEqual(range(1, published));
  }, 60000);

  it('says so when recovery is partial because the broadcasts were not stored', async () => {
    const id = await http.activeChannel({ settings: { persist_messages: false } });
    for (let i = 1; i <= 3; i++)
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` });
    const c = await connect(id, '?since=1');
    expect((await c.next()).status).toBe('connected');
    expect(await c.next()).toMatchObject({
      status: 'error',
      data: { code: 'RECOVERY_PARTIAL', missing_from: 2, missing_to: 3 },
    });
  });

  it('says so when the broadcasts after N were pruned, then replays what is left', async () => {
    const id = await http.activeChannel(persisted);
    for (let i = 1; i <= 8; i++)
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` });
    await t.app
      .get(DataSource)
      .query(`DELETE FROM messages WHERE channel_id = '${id}' AND seq <= 5`);
    const c = await connect(id, '?since=2');
    await c.next((f) => f.status === 'connected');
    expect(await c.next()).toMatchObject({
      status: 'error',
      data: { code: 'RECOVERY_PARTIAL', missing_from: 3, missing_to: 5 },
    });
    await c.next((f) => f.seq === 8);
    expect(c.all('broadcast').map((f) => f.seq)).toEqual([6, 7, 8]);
  });

  it('denies a malformed since', async () => {
    const id = await http.activeChannel(persisted);
    const c = await connect(id, '?since=-3');
    expect(await c.next()).toMatchObject({
      status: 'denied',
      message: expect.stringMatching(/since/),
    });
    expect((await c.closed).code).toBe(1008);
  });

  it('deleting a channel deletes its messages', async () => {
    const id = await http.activeChannel(persisted);
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'gone soon' });
    await http.delete(`/api/v1/channels/${id}`);
    const left = await t.app
      .get(DataSource)
      .query<Array<{ n: string | number }>>(
        `SELECT COUNT(*) AS n FROM messages WHERE channel_id = '${id}'`,
      );
    expect(Number(left[0].n)).toBe(0);
  });
});

describe.each(BACKENDS)('restart on %s', (backend) => {
  it('keeps messages, continues seq and recovers with since across the restart', async () => {
    const db = await createDatabase(backend, tmp.dir);
    try {
      const first = await startApp({ dbPath: db.dbPath, env: db.env });
      const http1 = api(first.baseUrl);
      const id = await http1.activeChannel({
        settings: { persist_messages: true, rate_limit_per_minute: 0 },
      });
      for (let i = 1; i <= 5; i++)
        await http1.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` });
      await first.close();

      const second = await startApp({ dbPath: db.dbPath, env: db.env });
      try {
        const http2 = api(second.baseUrl);
        expect(
          (await http2.get(`/api/v1/channels/${id}/messages`)).body.map((f: Frame) => f.message),
        ).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
        expect(
          (await http2.post(`/api/v1/channels/${id}/broadcast`, { content: 'm6' })).body.seq,
        ).toBe(6);
        const c = await WsClient.connect(`${second.wsUrl}/api/v1/channels/${id}/ws?since=3`);
        await c.next((f) => f.seq === 6);
        expect(c.all('broadcast').map((f) => f.seq)).toEqual([4, 5, 6]);
        c.close();
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});
