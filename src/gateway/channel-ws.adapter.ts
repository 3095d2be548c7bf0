import { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { pathMatcher } from './ws-protocol';

type RoutedServer = WebSocketServer & {
  path: string;
  match?: (pathname: string) => Record<string, string> | null;
};

export interface ChannelWsAdapterOptions {
  /** Largest inbound message in bytes (read at each upgrade); larger ones close the socket with 1009. */
  maxPayload: () => number;
  /** While true (shutting down), upgrades are answered 503. */
  refuseUpgrades: () => boolean;
}

/**
 * `@nestjs/platform-ws` matches a gateway to one fixed path. EmitHub's path carries the channel
 * id, so this adapter routes upgrades by path template (`/api/v1/channels/:id/ws`), answers
 * unknown paths with a plain 404 and, while the server shuts down, a 503.
 * Inbound messages go to the gateway's own handler instead of Nest's `{event, data}` parser.
 */
export class ChannelWsAdapter extends WsAdapter {
  constructor(
    app: INestApplication,
    private readonly options: ChannelWsAdapterOptions,
  ) {
    super(app);
  }

  override create(
    port: number,
    options: Record<string, unknown> & { path?: string } = {},
  ): unknown {
    return super.create(port, {
      perMessageDeflate: false,
      maxPayload: this.options.maxPayload(),
      ...options,
    });
  }

  /** Messages are handled by the gateway per connection; Nest's JSON message routing is unused. */
  override bindMessageHandlers(): void {}

  /** The gateway has no `handleDisconnect`: no per-socket listener for it. */
  override bindClientDisconnect(): void {}

  protected override ensureHttpServerExists(
    port: number,
    httpServer: Server = createServer(),
  ): Server | undefined {
    if (this.httpServersRegistry.has(port)) return;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.route(port, request, socket, head),
    );
    return httpServer;
  }

  private route(port: number, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.options.refuseUpgrades()) return reject(socket, 503, 'Service Unavailable');
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'ws://localhost').pathname;
    } catch {
      return reject(socket, 400, 'Bad Request');
    }
    const servers = (this.wsServersRegistry.get(port) ?? []) as RoutedServer[];
    for (const server of servers) {
      server.match ??= pathMatcher(server.path);
      if (server.match(pathname)) {
        // `ws` gives each new connection the server's current limit: a reload applies to new sockets.
        (server as unknown as { options: { maxPayload: number } }).options.maxPayload =
          this.options.maxPayload();
        server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
        return;
      }
    }
    reject(socket, 404, 'Not Found');
  }
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
