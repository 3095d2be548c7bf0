import { DataSource, Repository } from 'typeorm';
import { HubConfig } from '../src/config/config.schema';
import { HUB_CONFIG } from '../src/config/hub.config';
import { MessageEntity } from '../src/history/message.entity';
import { MessageStore } from '../src/history/message-store';
import { RetentionService } from '../src/history/retention.service';
import { startApp, tempDir, TestApp } from './support/app';
import { BACKENDS, createDatabase, TestDatabase } from './support/databases';
import { api } from './support/http';

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(BACKENDS)('message retention on %s', (backend) => {
  const tmp = tempDir();
  let db: TestDatabase;
  let t: TestApp;
  let http: ReturnType<typeof api>;
  let retention: RetentionService;
  let config: HubConfig;
  let messages: Repository<MessageEntity>;

  beforeAll(async () => {
    db = await createDatabase(backend, tmp.dir);
    t = await startApp({
      dbPath: db.dbPath,
      env: { ...db.env, EMIT_HUB_MESSAGE_RETENTION_DAYS: '30' },
    });
    http = api(t.baseUrl);
    retention = t.app.get(RetentionService);
    // Only the runs the tests ask for: no scheduled run in between.
    retention.stopSchedule();
    config = t.app.get<HubConfig>(HUB_CONFIG);
    messages = t.app.get(DataSource).getRepository(MessageEntity);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
    tmp.cleanup();
  });
  beforeEach(async () => {
    await messages.clear();
    config.persistence.message_retention_days = 30;
    config.persistence.max_messages_per_channel = 10000;
  });

  const channel = () =>
    http.activeChannel({ settings: { persist_messages: true, rate_limit_per_minute: 0 } });

  /** Stores messages `seq` = from..to of a channel, all with the given age in days. */
  async function store(channelId: string, from: number, to: number, ageDays = 0): Promise<void> {
    const createdAt = new Date(Date.now() - ageDays * DAY_MS).toISOString();
    const rows: MessageEntity[] = [];
    for (let seq = from; seq <= to; seq++) {
      rows.push({
        channelId,
        seq,
        id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
        content: `m${seq}`,
        data: seq % 2 ? null : JSON.stringify({ seq }),
        messageType: 'Broadcast',
        createdAt,
      });
    }
    for (let i = 0; i < rows.length; i += 100) await messages.insert(rows.slice(i, i + 100));
  }

  async function seqsOf(channelId: string): Promise<number[]> {
    const rows = await messages.find({ where: { channelId }, order: { seq: 'ASC' } });
    return rows.map((r) => r.seq);
  }

  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('deletes messages older than message_retention_days, in every channel, and no others', async () => {
    const a = await channel();
    const b = await channel();
    await store(a, 1, 4, 45);
    await store(a, 5, 6, 30.01);
    await store(a, 7, 8, 29.9);
    await store(a, 9, 10, 0);
    await store(b, 1, 1, 31);
    await store(b, 2, 3, 1);

    expect(await retention.runOnce()).toEqual({ byAge: 7, byCount: 0 });
    expect(await seqsOf(a)).toEqual([7, 8, 9, 10]);
    expect(await seqsOf(b)).toEqual([2, 3]);

    expect(await retention.runOnce()).toEqual({ byAge: 0, byCount: 0 });
  });

  it('reads message_retention_days at each run', async () => {
    const a = await channel();
    await store(a, 1, 2, 10);
    await store(a, 3, 3, 3);
    await store(a, 4, 4, 0);

    expect(await retention.runOnce()).toEqual({ byAge: 0, byCount: 0 });
    config.persistence.message_retention_days = 5;
    expect(await retention.runOnce()).toEqual({ byAge: 2, byCount: 0 });
    expect(await seqsOf(a)).toEqual([3, 4]);
  });

  it('keeps the newest max_messages_per_channel of each channel; other channels are untouched', async () => {
    const a = await channel();
    const b = await channel();
    const c = await channel();
    await store(a, 1, 12);
    await store(b, 1, 3);
    await store(c, 20, 25); // 6 rows, seq not from 1
    config.persistence.max_messages_per_channel = 5;

    expect(await retention.runOnce()).toEqual({ byAge: 0, byCount: 8 });
    expect(await seqsOf(a)).toEqual([8, 9, 10, 11, 12]);
    expect(await seqsOf(b)).toEqual([1, 2, 3]);
    expect(await seqsOf(c)).toEqual([21, 22, 23, 24, 25]);
  });

  it('applies age first, then the count limit, in one run', async () => {
    const a = await channel();
    await store(a, 1, 3, 40);
    await store(a, 4, 10, 1);
    config.persistence.max_messages_per_channel = 4;

    expect(await retention.runOnce()).toEqual({ byAge: 3, byCount: 3 });
    expect(await seqsOf(a)).toEqual([7, 8, 9, 10]);
  });

  it('deletes large backlogs completely, in batches', async () => {
    const a = await channel();
    const b = await channel();
    await store(a, 1, 1234, 60);
    await store(a, 1235, 1240, 0);
    await store(b, 1, 1300, 0);
    config.persistence.max_messages_per_channel = 100;

    expect(await retention.runOnce()).toEqual({ byAge: 1234, byCount: 1200 });
    expect(await seqsOf(a)).toEqual(range(1235, 1240));
    expect(await seqsOf(b)).toEqual(range(1201, 1300));
  });

  it('MessageStore: channel listings and batch bounds', async () => {
    const store_ = t.app.get(MessageStore);
    const a = await channel();
    const b = await channel();
    await store(a, 1, 7, 40);
    await store(b, 1, 2);
    expect((await store_.channelsWithMessages()).sort()).toEqual([a, b].sort());
    expect(await store_.channelsWithMoreThan(2)).toEqual([a]);
    expect(await store_.channelsWithMoreThan(7)).toEqual([]);
    expect(await store_.pruneBeyond(a, 3, 2)).toBe(2);
    expect(await seqsOf(a)).toEqual([3, 4, 5, 6, 7]);
    expect(await store_.pruneBeyond(a, 3, 10)).toBe(2);
    expect(await store_.pruneBeyond(a, 3, 10)).toBe(0);
    await expect(store_.pruneBeyond(a, 0, 10)).rejects.toThrow(RangeError);
    expect(await store_.pruneOlderThan(new Date().toISOString(), 2)).toBe(2);
    expect(await seqsOf(a)).toEqual([7]);
    expect(await seqsOf(b)).toEqual([1, 2]);
  });

  it('a run asked for while one is in progress shares it', async () => {
    const a = await channel();
    await store(a, 1, 600, 60);
    const [first, second] = await Promise.all([retention.runOnce(), retention.runOnce()]);
    expect(first).toEqual({ byAge: 600, byCount: 0 });
    expect(second).toBe(first);
    expect(await seqsOf(a)).toEqual([]);
  });
});
