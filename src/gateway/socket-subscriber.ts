import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { Delivery, Subscriber } from '../broadcast/broadcast.service';
import { CloseCode } from './ws-protocol';

/** Time a slow client gets to read its backlog and the 1013 close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 5000;

const logger = new Logger('SlowConsumer');

/**
 * One client socket as a broadcast subscriber.
 *
 * Never queues more than `maxBuffered()` bytes for a client: past that the client is closed with
 * 1013 and nothing more is written, so a client that stops reading cannot grow memory or slow
 * the others. While history is being replayed (`?since=N`), live deliveries wait in a backlog
 * (under the same bound) and are then written skipping every `seq` already replayed: the client
 * sees stored and live broadcasts with no gap and no duplicate.
 */
export class SocketSubscriber implements Subscriber {
  private backlog: Delivery[] | null = null;
  private backlogBytes = 0;
  /** Highest broadcast `seq` written to this socket. */
  private floor = 0;
  private closing = false;

  constructor(
    readonly id: string,
    readonly channelId: string,
    private readonly ws: WebSocket,
    private readonly maxBuffered: () => number,
  ) {}

  deliver(delivery: Delivery): void {
    if (this.backlog) {
      this.backlog.push(delivery);
      this.backlogBytes += delivery.payload.length;
      if (this.backlogBytes > this.maxBuffered()) this.closeSlow();
      return;
    }
    if (delivery.seq !== undefined && delivery.seq <= this.floor) return;
    this.write(delivery.payload, delivery.seq);
    if (delivery.close && this.ws.readyState === WebSocket.OPEN)
      this.ws.close(delivery.close.code, delivery.close.reason);
  }

  /** Live deliveries wait until `endReplay()`. */
  startReplay(): void {
    this.backlog ??= [];
  }

  /** Writes one stored broadcast. Returns false once the socket is gone or too slow. */
  replay(payload: string, seq: number): boolean {
    this.write(payload, seq);
    return this.ws.readyState === WebSocket.OPEN && !this.closing;
  }

  /** Bytes queued on the socket now. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.closing;
  }

  /** Flushes the live deliveries that arrived during the replay and goes live. */
  endReplay(): void {
    const backlog = this.backlog ?? [];
    this.backlog = null;
    this.backlogBytes = 0;
    for (const delivery of backlog) this.deliver(delivery);
  }

  /** Sends a frame of this connection only (connected, error), outside the channel's stream. */
  sendOwn(payload: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(payload);
  }

  private write(payload: string, seq: number | undefined): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return;
    if (this.ws.bufferedAmount > this.maxBuffered()) return this.closeSlow();
    this.ws.send(payload);
    if (seq !== undefined && seq > this.floor) this.floor = seq;
  }

  private closeSlow(): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    this.closing = true;
    this.backlog = null;
    logger.warn(
      { connectionId: this.id, channelId: this.channelId, bufferedBytes: this.ws.bufferedAmount },
      'Slow consumer disconnected: send buffer over websocket.max_buffered_bytes',
    );
    this.ws.close(CloseCode.TRY_AGAIN_LATER, 'slow consumer');
    // A client that stopped reading may never complete the closing handshake: cut it after a grace.
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }
}
