import { join } from 'node:path';
import { startApp, tempDir, TestApp } from './support/app';
import { api } from './support/http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const seedChannel = {
  name: 'Sistema de Turnos',
  description: 'Canal para llamar turnos en clínica',
  settings: {
    max_connections: 100,
    allow_client_messages: true,
    persist_messages: false,
    rate_limit_per_minute: 30,
  },
};

describe('Channels REST API', () => {
  const tmp = tempDir();
  let t: TestApp;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    t = await startApp({
      dbPath: join(tmp.dir, 'hub.db'),
      env: { EMIT_HUB_MESSAGE_SIZE_LIMIT: '4096' },
    });
    http = api(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  describe('POST /api/v1/channels', () => {
    it('creates the seed example and answers it with the seed shape', async () => {
      const res = await http.post('/api/v1/channels', seedChannel);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Sistema de Turnos',
        description: 'Canal para llamar turnos en clínica',
        status: 'Created',
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        settings: seedChannel.settings,
        connections: 0,
        last_seq: 0,
      });
      expect(res.body.created_at).toBe(res.body.updated_at);
    });

    it('fills omitted settings with the defaults and description with null', async () => {
      const res = await http.post('/api/v1/channels', { name: 'Defaults' });
      expect(res.status).toBe(201);
      expect(res.body.description).toBeNull();
      expect(res.body.settings).toEqual({
        max_connections: 1000,
        allow_client_messages: false,
        persist_messages: false,
        rate_limit_per_minute: 60,
      });
    });

    it.each([
      ['no name', { description: 'x' }, /name/],
      ['an empty name', { name: '' }, /name/],
      ['a numeric name', { name: 42 }, /name must be a string/],
      ['max_connections 0', { name: 'a', settings: { max_connections: 0 } }, /max_connections/],
      [
        'a fractional max_connections',
        { name: 'a', settings: { max_connections: 1.5 } },
        /max_connections/,
      ],
      [
        'a negative rate limit',
        { name: 'a', settings: { rate_limit_per_minute: -1 } },
        /rate_limit_per_minute/,
      ],
      [
        'a string boolean',
        { name: 'a', settings: { persist_messages: 'yes' } },
        /persist_messages/,
      ],
      ['an unknown field', { name: 'a', colour: 'red' }, /colour should not exist/],
      ['an unknown setting', { name: 'a', settings: { speed: 1 } }, /speed should not exist/],
      ['settings that are not an object', { name: 'a', settings: 5 }, /settings/],
    ])('refuses %s with a 400 that names the field', async (_label, body, message) => {
      const res = await http.post('/api/v1/channels', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringMatching(message),
      });
    });

    it('refuses a body that is not JSON with a 415 that says how to send it', async () => {
      const res = await http.post('/api/v1/channels', 'name=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(415);
      expect(res.body.message).toMatch(/Content-Type: application\/json/);
    });

    it('refuses broken JSON with a 400', async () => {
      const res = await http.post('/api/v1/channels', '{"name":');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('refuses a body over EMIT_HUB_MESSAGE_SIZE_LIMIT with a 413', async () => {
      const res = await http.post('/api/v1/channels', { name: 'x'.repeat(5000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });
  });

  describe('GET /api/v1/channels', () => {
    it('lists newest first and filters by status', async () => {
      const older = await http.createChannel({ name: 'older' });
      const newer = await http.activeChannel({ name: 'newer' });
      const all = await http.get('/api/v1/channels');
      expect(all.status).toBe(200);
      const ids: string[] = all.body.map((c: { id: string }) => c.id);
      expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
      const times: string[] = all.body.map((c: { created_at: string }) => c.created_at);
      expect([...times].sort().reverse()).toEqual(times);

      const active = await http.get('/api/v1/channels?status=Active');
      expect(active.body.map((c: { id: string }) => c.id)).toContain(newer);
      expect(active.body.every((c: { status: string }) => c.status === 'Active')).toBe(true);
    });

    it('refuses an unknown status filter', async () => {
      const res = await http.get('/api/v1/channels?status=Running');
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/status/);
    });
  });

  describe('GET /api/v1/channels/:id', () => {
    it('answers the channel', async () => {
      const id = await http.createChannel({ name: 'one' });
      const res = await http.get(`/api/v1/channels/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, name: 'one', status: 'Created' });
    });

    it('404 for an unknown id, 400 for a malformed one', async () => {
      const missing = await http.get('/api/v1/channels/550e8400-e29b-41d4-a716-446655440000');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Channel 550e8400-e29b-41d4-a716-446655440000 not found',
        code: 'CHANNEL_NOT_FOUND',
      });
      const bad = await http.get('/api/v1/channels/not-a-uuid');
      expect(bad.status).toBe(400);
    });
  });

  describe('PATCH /api/v1/channels/:id', () => {
    it('changes name, description and merges settings', async () => {
      const id = await http.createChannel(seedChannel);
      const before = await http.get(`/api/v1/channels/${id}`);
      const res = await http.patch(`/api/v1/channels/${id}`, {
        name: 'Renamed',
        description: null,
        settings: { rate_limit_per_minute: 0 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'Renamed',
        description: null,
        settings: { ...seedChannel.settings, rate_limit_per_minute: 0 },
      });
      expect(res.body.updated_at >= before.body.updated_at).toBe(true);
      expect((await http.get(`/api/v1/channels/${id}`)).body.name).toBe('Renamed');
    });

    it('validates like create', async () => {
      const id = await http.createChannel();
      expect(
        (await http.patch(`/api/v1/channels/${id}`, { settings: { max_connections: -5 } })).status,
      ).toBe(400);
      expect((await http.patch(`/api/v1/channels/${id}`, { status: 'Active' })).status).toBe(400);
      expect(
        (await http.patch('/api/v1/channels/550e8400-e29b-41d4-a716-446655440000', { name: 'x' }))
          .status,
      ).toBe(404);
    });
  });

  describe('DELETE /api/v1/channels/:id', () => {
    it('answers 204 and the channel is gone', async () => {
      const id = await http.createChannel();
      const res = await http.delete(`/api/v1/channels/${id}`);
      expect(res.status).toBe(204);
      expect((await http.get(`/api/v1/channels/${id}`)).status).toBe(404);
      expect((await http.delete(`/api/v1/channels/${id}`)).status).toBe(404);
    });
  });

  describe('lifecycle', () => {
    const reach = async (status: string): Promise<string> => {
      const id = await http.createChannel({ name: `from ${status}` });
      if (status === 'Active' || status === 'Paused')
        await http.put(`/api/v1/channels/${id}/start`);
      if (status === 'Paused') await http.put(`/api/v1/channels/${id}/pause`);
      if (status === 'Stopped') await http.put(`/api/v1/channels/${id}/stop`);
      expect((await http.get(`/api/v1/channels/${id}`)).body.status).toBe(status);
      return id;
    };

    it.each([
      ['Created', 'start', 200, 'Active'],
      ['Created', 'pause', 409, 'Created'],
      ['Created', 'stop', 200, 'Stopped'],
      ['Active', 'start', 200, 'Active'],
      ['Active', 'pause', 200, 'Paused'],
      ['Active', 'stop', 200, 'Stopped'],
      ['Paused', 'start', 200, 'Active'],
      ['Paused', 'pause', 200, 'Paused'],
      ['Paused', 'stop', 200, 'Stopped'],
      ['Stopped', 'start', 200, 'Active'],
      ['Stopped', 'pause', 409, 'Stopped'],
      ['Stopped', 'stop', 200, 'Stopped'],
    ])('%s + %s -> %i, %s', async (from, action, code, to) => {
      const id = await reach(from);
      const res = await http.put(`/api/v1/channels/${id}/${action}`);
      expect(res.status).toBe(code);
      if (code === 200) {
        expect(res.body).toMatchObject({ id, status: to });
      } else {
        expect(res.body).toMatchObject({
          statusCode: 409,
          error: 'Conflict',
          code: 'INVALID_TRANSITION',
        });
        expect(res.body.message).toContain(from);
      }
      expect((await http.get(`/api/v1/channels/${id}`)).body.status).toBe(to);
    });

    it('404 for an unknown channel', async () => {
      expect(
        (await http.put('/api/v1/channels/550e8400-e29b-41d4-a716-446655440000/start')).status,
      ).toBe(404);
    });
  });

  describe('POST /api/v1/channels/:id/broadcast', () => {
    it('answers id, channel_id, seq, recipients, persisted and timestamp; seq counts from 1', async () => {
      const id = await http.activeChannel();
      const first = await http.post(`/api/v1/channels/${id}/broadcast`, {
        content: 'A004',
        message_type: 'Broadcast',
      });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        id: expect.stringMatching(UUID),
        channel_id: id,
        seq: 1,
        recipients: 0,
        persisted: false,
        timestamp: expect.stringMatching(ISO_UTC),
      });
      const second = await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'A005' });
      expect(second.body.seq).toBe(2);
      expect((await http.get(`/api/v1/channels/${id}`)).body.last_seq).toBe(2);
    });

    it.each(['Created', 'Paused', 'Stopped'])(
      'is a 409 on a %s channel, and nothing is numbered',
      async (status) => {
        const id = await http.createChannel();
        if (status !== 'Created') await http.put(`/api/v1/channels/${id}/start`);
        if (status === 'Paused') await http.put(`/api/v1/channels/${id}/pause`);
        if (status === 'Stopped') await http.put(`/api/v1/channels/${id}/stop`);
        const res = await http.post(`/api/v1/channels/${id}/broadcast`, { content: 'A004' });
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ code: 'CHANNEL_NOT_ACTIVE' });
        expect(res.body.message).toContain(status);
        expect((await http.get(`/api/v1/channels/${id}`)).body.last_seq).toBe(0);
      },
    );

    it.each([
      ['no content', {}],
      ['a numeric content', { content: 4 }],
      ['an unknown message_type', { content: 'x', message_type: 'Shout' }],
      ['an unknown field', { content: 'x', extra: true }],
    ])('refuses %s with a 400', async (_label, body) => {
      const id = await http.activeChannel();
      expect((await http.post(`/api/v1/channels/${id}/broadcast`, body)).status).toBe(400);
    });

    it('answers the seed curl without Content-Type with a 415', async () => {
      const id = await http.activeChannel();
      const res = await http.post(`/api/v1/channels/${id}/broadcast`, '{"content": "A004"}', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(415);
    });
  });
});
