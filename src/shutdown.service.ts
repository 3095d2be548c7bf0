import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { BroadcastService } from './broadcast/broadcast.service';
import { ConnectionRegistry } from './gateway/connection-registry';
import { ReadinessState } from './health/readiness.state';

/** How long WebSocket clients get to complete the closing handshake before they are cut. */
export const SOCKET_DRAIN_MS = 3000;

/**
 * Graceful shutdown, in order: readiness turns 503 and new upgrades are refused; every socket
 * is closed with 1001; the channel streams end. Nest then stops the HTTP server (requests in
 * flight complete) and closes the database. Safe to run twice.
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownService.name);
  private done?: Promise<void>;

  constructor(
    private readonly readiness: ReadinessState,
    private readonly registry: ConnectionRegistry,
    private readonly broadcast: BroadcastService,
  ) {}

  beforeApplicationShutdown(signal?: string): Promise<void> {
    this.done ??= this.drain(signal);
    return this.done;
  }

  private async drain(signal?: string): Promise<void> {
    this.readiness.markShuttingDown();
    const sockets = this.registry.size;
    this.logger.log(
      { signal, sockets },
      `Shutting down: closing ${sockets} WebSocket connection(s) with 1001`,
    );
    await this.registry.closeAll(SOCKET_DRAIN_MS);
    this.broadcast.completeAll();
  }
}
