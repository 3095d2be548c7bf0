import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BroadcastService } from '../broadcast/broadcast.service';

/** Why a WebSocket client was refused (`denied` frame, close 1008). */
export type DenialReason = 'not_found' | 'not_active' | 'full' | 'invalid_request';

/** What was refused for going over a channel's `rate_limit_per_minute`. */
export type RateLimitKind = 'broadcast' | 'client_message';

const DENIAL_REASONS: readonly DenialReason[] = [
  'not_found',
  'not_active',
  'full',
  'invalid_request',
];
const RATE_LIMIT_KINDS: readonly RateLimitKind[] = ['broadcast', 'client_message'];

/** Fan-out takes microseconds to milliseconds: finer buckets than prom-client's defaults. */
const FAN_OUT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one), so
 * several instances in one process do not collide. Counters are bumped through the small methods
 * below; connections per channel are read from the broadcast core at scrape time, so they cannot
 * drift from the live state.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly broadcasts: Counter;
  private readonly broadcastDeliveries: Counter;
  private readonly clientMessages: Counter;
  private readonly clientMessageDeliveries: Counter;
  private readonly slowConsumerCloses: Counter;
  private readonly fanOut: Histogram;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Children per label value, resolved once: the hot paths do no label lookups. */
  private readonly denied: Record<DenialReason, { inc(): void }>;
  private readonly rateLimitedBy: Record<RateLimitKind, { inc(): void }>;

  constructor(broadcast: BroadcastService) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'emithub_channel_connections',
      help: 'WebSocket clients connected to each channel now (channels with none are left out).',
      labelNames: ['channel_id'],
      registers,
      collect() {
        this.reset();
        broadcast.forEachChannel((channelId, subscribers) =>
          this.set({ channel_id: channelId }, subscribers),
        );
      },
    });
    this.broadcasts = new Counter({
      name: 'emithub_broadcasts_total',
      help: 'Broadcasts published (POST /api/v1/channels/{id}/broadcast answered 200).',
      registers,
    });
    this.broadcastDeliveries = new Counter({
      name: 'emithub_broadcast_deliveries_total',
      help: 'Broadcast frames handed to connected clients (the sum of every broadcast’s recipients).',
      registers,
    });
    this.clientMessages = new Counter({
      name: 'emithub_client_messages_total',
      help: 'Client messages relayed to the other clients of their channel.',
      registers,
    });
    this.clientMessageDeliveries = new Counter({
      name: 'emithub_client_message_deliveries_total',
      help: 'Client message frames handed to other clients (the sum of their recipients).',
      registers,
    });
    const deniedCounter = new Counter({
      name: 'emithub_connections_denied_total',
      help: 'WebSocket connections refused (denied frame, close 1008), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.slowConsumerCloses = new Counter({
      name: 'emithub_slow_consumer_closes_total',
      help: 'Clients closed with 1013 because their unsent data passed websocket.max_buffered_bytes.',
      registers,
    });
    const rateLimited = new Counter({
      name: 'emithub_rate_limited_total',
      help: 'Broadcasts (429) and client messages (RATE_LIMITED) refused by rate_limit_per_minute.',
      labelNames: ['kind'],
      registers,
    });
    this.fanOut = new Histogram({
      name: 'emithub_broadcast_fanout_seconds',
      help: 'From publishing a broadcast to the end of the event-loop turn that writes its frames (broadcasts with recipients).',
      buckets: FAN_OUT_BUCKETS,
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'emithub_http_request_duration_seconds',
      help: 'HTTP requests by method, route template (unmatched when no route matched) and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });

    // Every reason and kind is present from the start, at 0.
    this.denied = Object.fromEntries(
      DENIAL_REASONS.map((reason) => [reason, withZero(deniedCounter.labels(reason))]),
    ) as Record<DenialReason, { inc(): void }>;
    this.rateLimitedBy = Object.fromEntries(
      RATE_LIMIT_KINDS.map((kind) => [kind, withZero(rateLimited.labels(kind))]),
    ) as Record<RateLimitKind, { inc(): void }>;
  }

  /** The exposition in Prometheus text format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One broadcast published to `recipients` clients. */
  broadcastPublished(recipients: number): void {
    this.broadcasts.inc();
    this.broadcastDeliveries.inc(recipients);
  }

  /** One client message relayed to `recipients` other clients. */
  clientMessageRelayed(recipients: number): void {
    this.clientMessages.inc();
    this.clientMessageDeliveries.inc(recipients);
  }

  fanOutDuration(seconds: number): void {
    this.fanOut.observe(seconds);
  }

  connectionDenied(reason: DenialReason): void {
    this.denied[reason].inc();
  }

  slowConsumerClosed(): void {
    this.slowConsumerCloses.inc();
  }

  rateLimited(kind: RateLimitKind): void {
    this.rateLimitedBy[kind].inc();
  }

  /** `route` is the route template (`/api/v1/channels/:id`), never the raw URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }
}

function withZero<T extends { inc(value?: number): void }>(child: T): T {
  child.inc(0);
  return child;
}
