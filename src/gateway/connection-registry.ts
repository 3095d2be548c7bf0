import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { ConfigReloader } from '../config/config-reloader.service';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import type { SocketSubscriber } from './socket-subscriber';
import { CloseCode } from './ws-protocol';

/** One tracked socket. `subscriber` is set once the socket is admitted to its channel. */
export interface Connection {
  readonly id: string;
  readonly channelId: string;
  subscriber: SocketSubscriber | null;
  lastSeen: number;
  /** When the oldest ping still unanswered was sent; null when the client has answered. */
  pingedAt: number | null;
}

/** What the gateway does with a socket's messages and its end. */
export interface ConnectionEvents {
  message(ws: WebSocket, connection: Connection, data: Buffer, isBinary: boolean): void;
  close(ws: WebSocket, connection: Connection): void;
}

/**
 * Every open socket, for heartbeats and shutdown. Each socket is pinged every
 * `websocket.ping_interval` seconds; one that has sent nothing (no pong, no message) for
 * `websocket.connection_timeout` seconds is terminated at the next check (each ping round, and
 * `websocket.pong_timeout` seconds after it), so half-open TCP connections do not pile up.
 */
@Injectable()
export class ConnectionRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly sockets = new Map<WebSocket, Connection>();
  private readonly events: { current: ConnectionEvents | null } = { current: null };
  private timer?: NodeJS.Timeout;
  private interval = 0;

  // Listeners shared by every socket (the socket is `this`), so an idle connection carries no
  // closures of its own.
  private readonly onPong: (this: WebSocket) => void;
  private readonly onMessage: (this: WebSocket, data: Buffer, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(
    @InjectHubConfig() private readonly config: HubConfig,
    private readonly reloader: ConfigReloader,
  ) {
    const { sockets, events } = this;
    this.onPong = function (this: WebSocket) {
      const connection = sockets.get(this);
      if (!connection) return;
      connection.lastSeen = Date.now();
      connection.pingedAt = null;
    };
    this.onMessage = function (this: WebSocket, data: Buffer, isBinary: boolean) {
      const connection = sockets.get(this);
      if (!connection) return;
      connection.lastSeen = Date.now();
      connection.pingedAt = null;
      events.current?.message(this, connection, data, isBinary);
    };
    this.onClose = function (this: WebSocket) {
      const connection = sockets.get(this);
      sockets.delete(this);
      if (connection) events.current?.close(this, connection);
    };
  }

  /** The gateway's handlers for every socket's messages and close. */
  listen(events: ConnectionEvents): void {
    this.events.current = events;
  }

  onModuleInit(): void {
    this.schedule();
    this.reloader.onChange(() => this.schedule());
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Tracks a socket from its upgrade on: heartbeat, shutdown, and the gateway's events. */
  add(ws: WebSocket, id: string, channelId: string): Connection {
    const connection: Connection = {
      id,
      channelId,
      subscriber: null,
      lastSeen: Date.now(),
      pingedAt: null,
    };
    this.sockets.set(ws, connection);
    ws.on('pong', this.onPong);
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    return connection;
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Bytes queued for sending: the largest single socket's and the total. */
  bufferedBytes(): { max: number; total: number } {
    let max = 0;
    let total = 0;
    for (const ws of this.sockets.keys()) {
      max = Math.max(max, ws.bufferedAmount);
      total += ws.bufferedAmount;
    }
    return { max, total };
  }

  /** Closes every socket with 1001 and waits (up to `timeoutMs`) for them to go. */
  async closeAll(timeoutMs: number): Promise<void> {
    const open = [...this.sockets.keys()];
    const closed = open.map(
      (ws) =>
        new Promise<void>((resolve) =>
          ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()),
        ),
    );
    for (const ws of open) {
      if (ws.readyState === WebSocket.OPEN) ws.close(CloseCode.GOING_AWAY, 'server shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
    for (const ws of this.sockets.keys()) ws.terminate();
  }

  /** Re-arms the ping timer when `websocket.ping_interval` changed. */
  schedule(): void {
    const interval = this.config.websocket.ping_interval * 1000;
    if (interval === this.interval && this.timer) return;
    clearInterval(this.timer);
    this.interval = interval;
    this.timer = setInterval(() => this.heartbeat(), interval);
    this.timer.unref();
  }

  /** Pings every open socket, then checks again once they had `pong_timeout` to answer. */
  private heartbeat(): void {
    this.reap();
    const now = Date.now();
    for (const [ws, connection] of this.sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      connection.pingedAt ??= now;
      ws.ping();
    }
    setTimeout(() => this.reap(), this.config.websocket.pong_timeout * 1000).unref();
  }

  /**
   * Terminates the sockets that left a ping unanswered and have sent nothing for
   * `connection_timeout` seconds. A socket that was never pinged is never dropped, however late
   * a busy event loop runs the check.
   */
  private reap(): void {
    const deadline = Date.now() - this.config.websocket.connection_timeout * 1000;
    for (const [ws, connection] of this.sockets) {
      if (
        ws.readyState === WebSocket.OPEN &&
        connection.pingedAt !== null &&
        connection.lastSeen <= deadline
      ) {
        this.logger.log(
          { connectionId: connection.id },
          'WebSocket dropped: nothing heard within websocket.connection_timeout',
        );
        ws.terminate();
      }
    }
  }
}
