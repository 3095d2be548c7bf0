import { tempDir } from './support/app';
import { BACKENDS, createDatabase } from './support/databases';
import { api } from './support/http';
import { spawnHub } from './support/process';
import { Frame, WsClient } from './support/ws-client';

/**
 * SIGKILL in the middle of a burst of durable broadcasts, then a restart on the same database:
 * every broadcast that was acknowledged is there exactly once and in order, and `seq` goes on
 * without reuse.
 */
describe.each(BACKENDS)('crash safety on %s', (backend) => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('keeps every acknowledged broadcast after SIGKILL, exactly once, in order', async () => {
    const db = await createDatabase(backend, tmp.dir);
    const env = { EMIT_HUB_DB_PATH: db.dbPath, ...db.env };
    try {
      const first = await spawnHub({ cwd: tmp.dir, env });
      const http1 = api(first.baseUrl);
      const id = await http1.activeChannel({
        name: 'Durable',
        settings: { persist_messages: true, rate_limit_per_minute: 0 },
      });

      // 16 publishers in a loop; the process is killed once 400 broadcasts are acknowledged.
      const acked: Array<{ seq: number; id: string; content: string }> = [];
      let n = 0;
      let killed = false;
      const publisher = async () => {
        while (!killed && n < 5000) {
          const content = `burst ${n++}`;
          try {
            const res = await http1.post(`/api/v1/channels/${id}/broadcast`, { content });
            if (res.status === 200) acked.push({ seq: res.body.seq, id: res.body.id, content });
          } catch {
            return; // connection cut by the kill: not acknowledged
          }
          if (acked.length >= 400 && !killed) {
            killed = true;
            first.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, publisher));
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(acked.length).toBeGreaterThanOrEqual(400);

      const second = await spawnHub({ cwd: tmp.dir, env });
      try {
        const http2 = api(second.baseUrl);
        const stored: Frame[] = [];
        for (let after = 0; ;) {
          const page = (
            await http2.get(`/api/v1/channels/${id}/messages?after_seq=${after}&limit=1000`)
          ).body as Frame[];
          stored.push(...page);
          if (page.length < 1000) break;
          after = page[page.length - 1].seq!;
        }
        const seqs = stored.map((f) => f.seq!);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(new Set(stored.map((f) => f.id)).size).toBe(stored.length);

        const bySeq = new Map(stored.map((f) => [f.seq!, f]));
        const missing = acked.filter(
          (a) => bySeq.get(a.seq)?.id !== a.id || bySeq.get(a.seq)?.message !== a.content,
        );
        expect(missing).toEqual([]);

        // The channel is Active again and seq goes on above everything stored.
        const next = await http2.post(`/api/v1/channels/${id}/broadcast`, {
          content: 'after the crash',
        });
        expect(next.status).toBe(200);
        expect(next.body.seq).toBeGreaterThan(Math.max(...seqs));

        // Recovery with since works across the crash.
        const since = acked[Math.floor(acked.length / 2)].seq;
        const c = await WsClient.connect(`${second.wsUrl}/api/v1/channels/${id}/ws?since=${since}`);
        await c.next((f) => f.id === next.body.id, 15000);
        const replayed = c.all('broadcast').map((f) => f.seq!);
        expect(replayed).toEqual([...seqs.filter((s) => s > since), next.body.seq]);
        c.close();
      } finally {
        second.kill('SIGKILL');
        await second.exited;
      }
    } finally {
      await db.drop();
    }
  }, 60000);
});
