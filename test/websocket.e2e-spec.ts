import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';
import { expectEventually, WsClient } from './support/ws-client';

describe('WebSocket /api/v1/channels/:id/ws', () => {
  const tmp = tempDir();
  let t: TestApp;
  let http: ReturnType<typeof api>;
  const clients: WsClient[] = [];
  const wsPath = (id: string) => `${t.wsUrl}/api/v1/channels/${id}/ws`;
  const join_ = async (id: string) => {
    const joined = await WsClient.join(wsPath(id));
    clients.push(joined.client);
    return joined;
  };

  beforeAll(async () => {
    t = await startApp({ dbPath: join(tmp.dir, 'hub.db') });
    http = api(t.baseUrl);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('greets with a connected frame carrying the channel and a connection id', async () => {
    const id = await http.activeChannel({ name: 'Sistema de Turnos' });
    const { first } = await join_(id);
    expect(first).toEqual({
      status: 'connected',
      message: 'Connected to channel: Sistema de Turnos',
      channel_id: id,
      timestamp: expect.any(String),
      data: {
        channel: expect.objectContaining({
          id,
          name: 'Sistema de Turnos',
          status: 'Active',
          connections: 1,
        }),
        connection_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(1);
  });

  it('delivers a broadcast to every client with seq and id, exactly as the seed shows', async () => {
    const id = await http.activeChannel();
    const a = (await join_(id)).client;
    const b = (await join_(id)).client;
    const res = await http.post(`/api/v1/channels/${id}/broadcast`, {
      content: 'A004',
      message_type: 'Broadcast',
    });
    expect(res.body.recipients).toBe(2);
    for (const c of [a, b]) {
      const f = await c.next((x) => x.status === 'broadcast');
      expect(f).toEqual({
        status: 'broadcast',
        message: 'A004',
        channel_id: id,
        timestamp: res.body.timestamp,
        data: null,
        seq: 1,
        id: res.body.id,
      });
    }
  });

  it('delivers structured data as JSON, not as a string', async () => {
    const id = await http.activeChannel();
    const c = (await join_(id)).client;
    const data = { sales_today: 15420, active_users: 89, tags: ['a', 'b'], nested: { ok: true } };
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'metrics', data });
    expect((await c.next((f) => f.status === 'broadcast')).data).toEqual(data);
  });

  it('keeps publish order: 200 broadcasts arrive with seq 1..200 in order', async () => {
    const id = await http.activeChannel({ settings: { rate_limit_per_minute: 0 } });
    const c = (await join_(id)).client;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http.post(`/api/v1/channels/${id}/broadcast`, { content: `m${i}` }),
      ),
    );
    await c.next((f) => f.status === 'broadcast' && f.seq === 200);
    expect(c.all('broadcast').map((f) => f.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });

  it('isolates channels: a broadcast reaches its own channel only', async () => {
    const one = await http.activeChannel({ name: 'one' });
    const two = await http.activeChannel({ name: 'two' });
    const a = (await join_(one)).client;
    const b = (await join_(two)).client;
    await http.post(`/api/v1/channels/${one}/broadcast`, { content: 'for one' });
    await http.post(`/api/v1/channels/${two}/broadcast`, { content: 'for two' });
    expect((await a.next((f) => f.status === 'broadcast')).message).toBe('for one');
    expect((await b.next((f) => f.status === 'broadcast')).message).toBe('for two');
    expect(a.all('broadcast')).toHaveLength(1);
    expect(b.all('broadcast')).toHaveLength(1);
  });

  describe('denied connections get a denied frame, then close 1008', () => {
    it.each(['Created', 'Paused', 'Stopped'])('a %s channel', async (status) => {
      const id = await http.createChannel({ name: 'Sistema de Turnos' });
      if (status !== 'Created') await http.put(`/api/v1/channels/${id}/start`);
      if (status === 'Paused') await http.put(`/api/v1/channels/${id}/pause`);
      if (status === 'Stopped') await http.put(`/api/v1/channels/${id}/stop`);
      const { client, first } = await join_(id);
      expect(first).toEqual({
        status: 'denied',
        message: 'Channel Sistema de Turnos is not active',
        channel_id: id,
        timestamp: expect.any(String),
        data: null,
      });
      expect((await client.closed).code).toBe(1008);
    });

    it('an unknown channel', async () => {
      const id = '550e8400-e29b-41d4-a716-446655440000';
      const { client, first } = await join_(id);
      expect(first).toMatchObject({
        status: 'denied',
        message: `Channel ${id} not found`,
        channel_id: id,
      });
      expect((await client.closed).code).toBe(1008);
    });

    it('a full channel ("Channel <name> is full"), with an exact count under churn', async () => {
      const id = await http.activeChannel({ name: 'Tiny', settings: { max_connections: 2 } });
      const a = await join_(id);
      const b = await join_(id);
      expect([a.first.status, b.first.status]).toEqual(['connected', 'connected']);
      const c = await join_(id);
      expect(c.first).toMatchObject({ status: 'denied', message: 'Channel Tiny is full' });
      expect((await c.client.closed).code).toBe(1008);

      a.client.close();
      await a.client.closed;
      await expectEventually(async () =>
        expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(1),
      );
      const d = await join_(id);
      expect(d.first.status).toBe('connected');
      expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(2);
    });
  });

  it('refuses the upgrade on a path that is not a channel socket', async () => {
    await expect(WsClient.connect(`${t.wsUrl}/api/v1/nothing/here`)).rejects.toThrow(/404/);
  });

  it('pause keeps clients connected and tells them; start tells them it resumed', async () => {
    const id = await http.activeChannel({ name: 'Turnos' });
    const c = (await join_(id)).client;
    await http.put(`/api/v1/channels/${id}/pause`);
    expect(await c.next()).toMatchObject({ status: 'paused', channel_id: id, data: null });
    expect((await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'x' })).status).toBe(
      409,
    );
    expect((await join_(id)).first.status).toBe('denied');
    await http.put(`/api/v1/channels/${id}/start`);
    expect(await c.next()).toMatchObject({ status: 'resumed', channel_id: id });
    await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'after' });
    expect(await c.next()).toMatchObject({ status: 'broadcast', message: 'after', seq: 1 });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('stop sends stopped and closes every socket with 1000', async () => {
    const id = await http.activeChannel();
    const a = (await join_(id)).client;
    const b = (await join_(id)).client;
    await http.put(`/api/v1/channels/${id}/stop`);
    for (const c of [a, b]) {
      expect(await c.next()).toMatchObject({ status: 'stopped', channel_id: id });
      expect((await c.closed).code).toBe(1000);
    }
    expect((await http.get(`/api/v1/channels/${id}`)).body.connections).toBe(0);
  });

  it('delete sends stopped and closes every socket with 1000', async () => {
    const id = await http.activeChannel();
    const c = (await join_(id)).client;
    expect((await http.delete(`/api/v1/channels/${id}`)).status).toBe(204);
    expect(await c.next()).toMatchObject({ status: 'stopped' });
    expect((await c.closed).code).toBe(1000);
  });

  describe('client messages', () => {
    it('when allowed, reach every other client as client_message (not the sender)', async () => {
      const id = await http.activeChannel({
        name: 'Sistema de Turnos',
        settings: { allow_client_messages: true },
      });
      const sender = (await join_(id)).client;
      const other = (await join_(id)).client;
      sender.send('Hola');
      expect(await other.next()).toEqual({
        status: 'client_message',
        message: 'Client message in Sistema de Turnos: Hola',
        channel_id: id,
        timestamp: expect.any(String),
        data: { original_message: 'Hola', sender: 'client' },
      });
      // The sender's next frame is the marker broadcast, not its own message.
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'marker' });
      expect(await sender.next()).toMatchObject({ status: 'broadcast', message: 'marker' });
    });

    it('when not allowed, the sender gets an error frame and nobody else sees anything', async () => {
      const id = await http.activeChannel({
        name: 'Quiet',
        settings: { allow_client_messages: false },
      });
      const sender = (await join_(id)).client;
      const other = (await join_(id)).client;
      sender.send('Hola');
      expect(await sender.next()).toMatchObject({
        status: 'error',
        channel_id: id,
        message: 'Client messages are not allowed in channel Quiet',
        data: { code: 'CLIENT_MESSAGES_DISABLED' },
      });
      await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'marker' });
      expect(await other.next()).toMatchObject({ status: 'broadcast', message: 'marker' });
      expect(other.all('client_message')).toHaveLength(0);
    });

    it('while paused, the sender gets an error frame', async () => {
      const id = await http.activeChannel({ settings: { allow_client_messages: true } });
      const sender = (await join_(id)).client;
      await http.put(`/api/v1/channels/${id}/pause`);
      await sender.next((f) => f.status === 'paused');
      sender.send('anyone?');
      expect(await sender.next()).toMatchObject({
        status: 'error',
        data: { code: 'CHANNEL_NOT_ACTIVE' },
      });
    });

    it('a binary frame gets an error frame and the socket stays open', async () => {
      const id = await http.activeChannel({ settings: { allow_client_messages: true } });
      const c = (await join_(id)).client;
      c.ws.send(Buffer.from([1, 2, 3]));
      expect(await c.next()).toMatchObject({
        status: 'error',
        data: { code: 'UNSUPPORTED_FRAME' },
      });
      expect(c.ws.readyState).toBe(WebSocket.OPEN);
    });
  });
});
