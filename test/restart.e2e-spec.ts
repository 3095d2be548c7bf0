import { join } from 'node:path';
import { startApp, tempDir } from './support/app';
import { api } from './support/http';
import { WsClient } from './support/ws-client';

describe('restart on the same SQLite file', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('keeps channels, their settings and status; an Active channel accepts clients again; seq continues', async () => {
    const dbPath = join(tmp.dir, 'hub.db');
    const first = await startApp({ dbPath });
    const http1 = api(first.baseUrl);
    const active = await http1.activeChannel({
      name: 'Turnos',
      description: 'sala A',
      settings: { max_connections: 7, allow_client_messages: true, rate_limit_per_minute: 0 },
    });
    const paused = await http1.activeChannel({ name: 'Paused one' });
    await http1.put(`/api/v1/channels/${paused}/pause`);
    const created = await http1.createChannel({ name: 'Never started' });
    for (let i = 0; i < 3; i++)
      await http1.post(`/api/v1/channels/${active}/broadcast`, { content: `before ${i}` });
    const before = (await http1.get('/api/v1/channels')).body;
    await first.close();

    const second = await startApp({ dbPath });
    try {
      const http2 = api(second.baseUrl);
      const after = (await http2.get('/api/v1/channels')).body;
      expect(after).toEqual(before.map((c: { connections: number }) => ({ ...c, connections: 0 })));
      expect(after.find((c: { id: string }) => c.id === active).status).toBe('Active');
      expect(after.find((c: { id: string }) => c.id === paused).status).toBe('Paused');
      expect(after.find((c: { id: string }) => c.id === created).status).toBe('Created');

      const { client, first: frame } = await WsClient.join(
        `${second.wsUrl}/api/v1/channels/${active}/ws`,
      );
      expect(frame.status).toBe('connected');
      const res = await http2.post(`/api/v1/channels/${active}/broadcast`, {
        content: 'after restart',
      });
      expect(res.body.seq).toBe(4);
      expect(await client.next((f) => f.status === 'broadcast')).toMatchObject({
        message: 'after restart',
        seq: 4,
      });
      client.close();
    } finally {
      await second.close();
    }
  });
});
