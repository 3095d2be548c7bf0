import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { BroadcastService, Delivery, Subscriber } from '../broadcast/broadcast.service';
import { frame } from '../broadcast/frames';
import { HubError } from '../channels/channel.errors';
import { ChannelsService } from '../channels/channels.service';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { ConnectionRegistry } from './connection-registry';
import { CHANNEL_WS_PATH, CloseCode, pathMatcher } from './ws-protocol';

const matchPath = pathMatcher(CHANNEL_WS_PATH);

/** Time a slow client gets to read its backlog and the 1013 close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 5000;

/** One client socket as a broadcast subscriber. */
class SocketSubscriber implements Subscriber {
  constructor(
    readonly id: string,
    readonly channelId: string,
    private readonly ws: WebSocket,
    private readonly maxBuffered: () => number,
    private readonly onSlow: (s: SocketSubscriber) => void,
  ) {}

  deliver(delivery: Delivery): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBuffered()) return this.onSlow(this);
    this.ws.send(delivery.payload);
    if (delivery.close) this.ws.close(delivery.close.code, delivery.close.reason);
  }
}

/**
 * WebSocket entry point: admits a client to its channel, subscribes it to the channel's stream
 * and relays its messages. Thin by design: the rules live in ChannelsService.
 */
@WebSocketGateway({ path: CHANNEL_WS_PATH })
export class ChannelsGateway implements OnGatewayConnection<WebSocket> {
  private readonly logger = new Logger(ChannelsGateway.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly broadcast: BroadcastService,
    private readonly registry: ConnectionRegistry,
    @InjectHubConfig() private readonly config: HubConfig,
  ) {}

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const connectionId = randomUUID();
    const channelId = matchPath(new URL(request.url ?? '/', 'ws://localhost').pathname)?.id ?? '';
    this.registry.add(ws, connectionId);

    let channel;
    try {
      channel = this.channels.admit(channelId);
    } catch (err) {
      const reason = err instanceof HubError ? err.message : 'Connection refused';
      this.logger.log({ connectionId, channelId, reason }, 'WebSocket connection denied');
      ws.send(JSON.stringify(frame('denied', channelId, reason)));
      ws.close(CloseCode.POLICY_VIOLATION, reason.slice(0, 120));
      return;
    }

    const subscriber = new SocketSubscriber(
      connectionId,
      channelId,
      ws,
      () => this.config.websocket.max_buffered_bytes,
      (s) => this.closeSlow(ws, s),
    );
    const subscription = this.broadcast.subscribe(channelId, subscriber);
    ws.on('close', () => {
      subscription.unsubscribe();
      this.logger.log({ connectionId, channelId }, 'WebSocket disconnected');
    });
    ws.on('message', (data: Buffer, isBinary: boolean) =>
      this.onClientMessage(ws, channelId, connectionId, data, isBinary),
    );

    this.logger.log({ connectionId, channelId }, 'WebSocket connected');
    const connected = { ...channel, connections: this.broadcast.subscriberCount(channelId) };
    ws.send(
      JSON.stringify(
        frame('connected', channelId, `Connected to channel: ${channel.name}`, {
          channel: connected,
          connection_id: connectionId,
        }),
      ),
    );
  }

  private onClientMessage(
    ws: WebSocket,
    channelId: string,
    connectionId: string,
    data: Buffer,
    isBinary: boolean,
  ): void {
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

  private closeSlow(ws: WebSocket, s: SocketSubscriber): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    this.logger.warn(
      { connectionId: s.id, channelId: s.channelId, bufferedBytes: ws.bufferedAmount },
      'Slow consumer disconnected: send buffer over websocket.max_buffered_bytes',
    );
    ws.close(CloseCode.TRY_AGAIN_LATER, 'slow consumer');
    // A client that stopped reading may never complete the closing handshake: cut it after a grace.
    setTimeout(() => ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }
}
