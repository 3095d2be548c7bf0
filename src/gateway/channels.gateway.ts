import { Logger, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { BroadcastService } from '../broadcast/broadcast.service';
import { frame } from '../broadcast/frames';
import { HubError, HubErrorCode } from '../channels/channel.errors';
import { ChannelsService } from '../channels/channels.service';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { MetricsService } from '../metrics/metrics.service';
import { Connection, ConnectionRegistry } from './connection-registry';
import { RecoveryService } from './recovery.service';
import { denialReason } from './denial-reason';
import { SocketSubscriber, SubscriberSettings } from './socket-subscriber';
import { CHANNEL_WS_PATH, CloseCode, pathMatcher } from './ws-protocol';

const matchPath = pathMatcher(CHANNEL_WS_PATH);

/**
 * WebSocket entry point: admits a client to its channel, subscribes it to the channel's stream
 * and relays its messages. Thin by design: the rules live in ChannelsService.
 */
@WebSocketGateway({ path: CHANNEL_WS_PATH })
export class ChannelsGateway implements OnGatewayConnection<WebSocket>, OnModuleInit {
  private readonly logger = new Logger(ChannelsGateway.name);
  /** Read live by every socket (the setting may be reloaded). */
  private readonly limits: SubscriberSettings;

  constructor(
    private readonly channels: ChannelsService,
    private readonly broadcast: BroadcastService,
    private readonly registry: ConnectionRegistry,
    private readonly recovery: RecoveryService,
    @InjectHubConfig() config: HubConfig,
    private readonly metrics: MetricsService,
  ) {
    this.limits = {
      get maxBuffered() {
        return config.websocket.max_buffered_bytes;
      },
      onSlowClose: () => metrics.slowConsumerClosed(),
    };
  }

  onModuleInit(): void {
    this.registry.listen({
      message: (ws, connection, data, isBinary) =>
        this.onClientMessage(ws, connection, data, isBinary),
      close: (_ws, { id, channelId, subscriber }) => {
        if (!subscriber) return;
        this.broadcast.unsubscribe(channelId, subscriber);
        this.logger.log({ connectionId: id, channelId }, 'WebSocket disconnected');
      },
    });
  }

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? '/', 'ws://localhost');
    const connection = this.registry.add(ws, randomUUID(), matchPath(url.pathname)?.id ?? '');
    const { id: connectionId, channelId } = connection;

    let channel;
    let since: number | null;
    try {
      since = parseSince(url.searchParams.get('since'));
      channel = this.channels.admit(channelId);
    } catch (err) {
      const reason = err instanceof HubError ? err.message : 'Connection refused';
      this.logger.log({ connectionId, channelId, reason }, 'WebSocket connection denied');
      this.metrics.connectionDenied(denialReason(err));
      ws.send(JSON.stringify(frame('denied', channelId, reason)));
      ws.close(CloseCode.POLICY_VIOLATION, reason.slice(0, 120));
      return;
    }

    const subscriber = new SocketSubscriber(connectionId, channelId, ws, this.limits);
    // Subscribed before anything is sent: with `since`, live broadcasts wait behind the replay.
    if (since !== null) subscriber.startReplay();
    this.broadcast.subscribe(channelId, subscriber);
    connection.subscriber = subscriber;

    this.logger.log({ connectionId, channelId, since }, 'WebSocket connected');
    const connected = { ...channel, connections: this.broadcast.subscriberCount(channelId) };
    subscriber.sendOwn(
      JSON.stringify(
        frame('connected', channelId, `Connected to channel: ${channel.name}`, {
          channel: connected,
          connection_id: connectionId,
        }),
      ),
    );
    if (since !== null) void this.recovery.replay(subscriber, since, channel.last_seq);
  }

  private onClientMessage(
    ws: WebSocket,
    { id: connectionId, channelId, subscriber }: Connection,
    data: Buffer,
    isBinary: boolean,
  ): void {
    if (!subscriber) return;
    if (isBinary) {
      ws.send(
        JSON.stringify(
          frame('error', channelId, 'Binary frames are not supported; send UTF-8 text', {
            code: 'UNSUPPORTED_FRAME',
          }),
        ),
      );
      return;
    }
    this.channels
      .clientMessage(channelId, connectionId, data.toString('utf8'))
      .catch((err: unknown) => this.sendError(ws, channelId, connectionId, err));
  }

  /** Tells the sender why its message was refused; unexpected failures are logged too. */
  private sendError(ws: WebSocket, channelId: string, connectionId: string, err: unknown): void {
    const known = err instanceof HubError;
    if (!known) this.logger.error({ err, connectionId, channelId }, 'client message failed');
    const data = known
      ? { code: err.code, ...(err.retryAfter !== undefined && { retry_after: err.retryAfter }) }
      : { code: 'INTERNAL' };
    const message = known ? err.message : 'Message could not be relayed';
    if (ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify(frame('error', channelId, message, data)));
  }
}

/** `?since=N`: a non-negative integer, or absent. */
function parseSince(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d{1,15}$/.test(raw))
    throw new HubError(
      HubErrorCode.INVALID_REQUEST,
      `Invalid since=${raw.slice(0, 20)}: expected a non-negative integer seq`,
    );
  return Number(raw);
}
