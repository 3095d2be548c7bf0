import { BroadcastService, Subscriber } from '../broadcast/broadcast.service';
import { MetricsService } from './metrics.service';

const subscriber = (id: string): Subscriber => ({ id, deliver: () => undefined });

/** Every sample of one metric as `{labels, value}`, as the scrape would show them. */
async function samples(metrics: MetricsService, name: string) {
  const metric =
    metrics.registry.getSingleMetric(name) ??
    metrics.registry.getSingleMetric(name.replace(/_(?:bucket|count|sum)$/, ''));
  if (!metric) throw new Error(`no metric ${name}`);
  // Histograms name each sample (`_bucket`, `_count`, `_sum`); the others do not.
  return (await metric.get()).values.map((v) => ({
    name: (v as { metricName?: string }).metricName ?? name,
    labels: v.labels,
    value: v.value,
  }));
}

async function value(metrics: MetricsService, name: string, labels: Record<string, string> = {}) {
  const found = (await samples(metrics, name)).find(
    (s) =>
      s.name === name &&
      Object.entries(labels).every(
        ([k, v]) => String((s.labels as Record<string, unknown>)[k]) === v,
      ),
  );
  return found?.value;
}

describe('MetricsService', () => {
  let broadcast: BroadcastService;
  let metrics: MetricsService;

  beforeEach(() => {
    broadcast = new BroadcastService();
    metrics = new MetricsService(broadcast);
  });

  it('reads connections per channel from the broadcast core at scrape time, leaving out empty channels', async () => {
    const a1 = subscriber('a1');
    broadcast.subscribe('a', a1);
    broadcast.subscribe('a', subscriber('a2'));
    broadcast.subscribe('b', subscriber('b1'));
    expect(await samples(metrics, 'emithub_channel_connections')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { channel_id: 'a' }, value: 2 }),
        expect.objectContaining({ labels: { channel_id: 'b' }, value: 1 }),
      ]),
    );

    broadcast.unsubscribe('a', a1);
    broadcast.end('b', { status: 'stopped' } as never, 1000, 'stopped');
    expect(await samples(metrics, 'emithub_channel_connections')).toEqual([
      expect.objectContaining({ labels: { channel_id: 'a' }, value: 1 }),
    ]);
  });

  it('counts broadcasts with their deliveries, and client messages with theirs', async () => {
    metrics.broadcastPublished(3);
    metrics.broadcastPublished(0);
    metrics.clientMessageRelayed(2);
    expect(await value(metrics, 'emithub_broadcasts_total')).toBe(2);
    expect(await value(metrics, 'emithub_broadcast_deliveries_total')).toBe(3);
    expect(await value(metrics, 'emithub_client_messages_total')).toBe(1);
    expect(await value(metrics, 'emithub_client_message_deliveries_total')).toBe(2);
  });

  it('has every denial reason and rate-limit kind from the start, at 0', async () => {
    for (const reason of ['not_found', 'not_active', 'full', 'invalid_request'])
      expect(await value(metrics, 'emithub_connections_denied_total', { reason })).toBe(0);
    for (const kind of ['broadcast', 'client_message'])
      expect(await value(metrics, 'emithub_rate_limited_total', { kind })).toBe(0);

    metrics.connectionDenied('full');
    metrics.connectionDenied('full');
    metrics.rateLimited('client_message');
    metrics.slowConsumerClosed();
    expect(await value(metrics, 'emithub_connections_denied_total', { reason: 'full' })).toBe(2);
    expect(await value(metrics, 'emithub_connections_denied_total', { reason: 'not_found' })).toBe(
      0,
    );
    expect(await value(metrics, 'emithub_rate_limited_total', { kind: 'client_message' })).toBe(1);
    expect(await value(metrics, 'emithub_slow_consumer_closes_total')).toBe(1);
  });

  it('observes fan-out and HTTP durations into histograms', async () => {
    metrics.fanOutDuration(0.0003);
    metrics.httpRequest('POST', '/api/v1/channels/:id/broadcast', 200, 0.004);
    expect(await value(metrics, 'emithub_broadcast_fanout_seconds_count')).toBe(1);
    expect(await value(metrics, 'emithub_broadcast_fanout_seconds_bucket', { le: '0.0005' })).toBe(
      1,
    );
    expect(
      await value(metrics, 'emithub_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/channels/:id/broadcast',
        status: '200',
      }),
    ).toBe(1);
  });

  it('keeps a registry of its own: two instances in one process do not collide', async () => {
    const other = new MetricsService(new BroadcastService());
    metrics.broadcastPublished(1);
    expect(await value(other, 'emithub_broadcasts_total')).toBe(0);
    const text = await other.scrape();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('# TYPE emithub_broadcasts_total counter');
    expect(other.contentType).toMatch(/^text\/plain/);
  });
});
