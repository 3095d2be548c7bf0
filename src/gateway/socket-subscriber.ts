import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { Delivery, Subscriber } from '../broadcast/broadcast.service';
import { rawSocket, encodeTextFrame } from './wire';
import { CloseCode } from './ws-protocol';

/** Time a slow client gets to read its backlog and the 1013 close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 5000;

const logger = new Logger('SlowConsumer');

/** Shared by every socket of the gateway (one object, read live), never one per socket. */
export interface SubscriberSettings {
  readonly maxBuffered: number;
  /** Called for each socket closed as a slow consumer. */
  readonly onSlowClose?: () => void;
}

/** A delivery with its wire form, encoded by the first socket that needs it and shared after. */
type WireDelivery = Delivery & { wire?: Buffer };

/**
 * Sockets with frames waiting for the end of the current event-loop turn. Two arrays, swapped,
 * so that a flush allocates nothing.
 */
let dirty: SocketSubscriber[] = [];
let spare: SocketSubscriber[] = [];
let scheduled = false;

function scheduleFlush(subscriber: SocketSubscriber): void {
  dirty.push(subscriber);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  scheduled = false;
  const list = dirty;
  dirty = spare;
  spare = list;
  for (let i = 0; i < list.length; i++) list[i].flush();
  list.length = 0;
}

/**
 * One client socket as a broadcast subscriber.
 *
 * Fast path: a broadcast's frame bytes are prepared once (the first socket encodes, the others
 * reuse the buffer) and queued; at the end of the event-loop turn every socket writes what it
 * queued in one go (one write for one frame, a corked batch for several), straight to the TCP
 * socket. Message boundaries and order are those of the queue.
 *
 * Once more than `limits.maxBuffered` bytes wait unsent on a socket, the client is closed with 1013
 * and nothing more is written (so at most the bound plus one turn's broadcasts are held), so a client that stops reading cannot grow memory or slow
 * the others. While history is being replayed (`?since=N`), live deliveries wait in a backlog
 * (under the same bound) and are then written skipping every `seq` already replayed: the client
 * sees stored and live broadcasts with no gap and no duplicate.
 */
export class SocketSubscriber implements Subscriber {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private closeAfterFlush: { code: number; reason: string } | null = null;
  private backlog: Delivery[] | null = null;
  private backlogBytes = 0;
  /** Highest broadcast `seq` queued for this socket. */
  private floor = 0;
  private closing = false;

  constructor(
    readonly id: string,
    readonly channelId: string,
    private readonly ws: WebSocket,
    private readonly limits: SubscriberSettings,
  ) {}

  deliver(delivery: WireDelivery): void {
    if (this.backlog) {
      this.backlog.push(delivery);
      this.backlogBytes += delivery.payload.length;
      if (this.backlogBytes > this.limits.maxBuffered) this.closeSlow();
      return;
    }
    if (delivery.seq !== undefined && delivery.seq <= this.floor) return;
    this.enqueue((delivery.wire ??= encodeTextFrame(delivery.payload)), delivery.seq);
    if (delivery.close) this.closeAfterFlush = delivery.close;
  }

  /** Live deliveries wait until `endReplay()`. */
  startReplay(): void {
    this.backlog ??= [];
  }

  /** Queues one stored broadcast. Returns false once the socket is gone or too slow. */
  replay(payload: string, seq: number): boolean {
    this.enqueue(encodeTextFrame(payload), seq);
    this.flush();
    return this.open;
  }

  /** Bytes queued on the socket now. */
  get buffered(): number {
    return this.ws.bufferedAmount + this.pendingBytes;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.closing;
  }

  /** Writes the live deliveries that arrived during the replay and goes live. */
  endReplay(): void {
    const backlog = this.backlog ?? [];
    this.backlog = null;
    this.backlogBytes = 0;
    for (const delivery of backlog) this.deliver(delivery);
  }

  /** Sends a frame of this connection only (connected, error), after what is already queued. */
  sendOwn(payload: string): void {
    this.enqueue(encodeTextFrame(payload), undefined);
    this.flush();
  }

  /** Writes everything queued, in order. Called at the end of the event-loop turn. */
  flush(): void {
    const count = this.pending.length;
    if (count === 0) return;
    if (this.ws.bufferedAmount > this.limits.maxBuffered) return this.closeSlow();
    if (this.ws.readyState === WebSocket.OPEN) {
      const socket = rawSocket(this.ws);
      if (socket && count === 1) {
        socket.write(this.pending[0]);
      } else if (socket) {
        socket.cork();
        for (let i = 0; i < count; i++) socket.write(this.pending[i]);
        socket.uncork();
      } else {
        // `ws` is busy with a frame of its own: hand the payloads over so they queue behind it.
        for (let i = 0; i < count; i++) this.ws.send(payloadOf(this.pending[i]));
      }
    }
    this.pending.length = 0;
    this.pendingBytes = 0;
    if (this.closeAfterFlush && this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(this.closeAfterFlush.code, this.closeAfterFlush.reason);
      this.closeAfterFlush = null;
    }
  }

  private enqueue(frame: Buffer, seq: number | undefined): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return;
    // What is queued within this turn is written at its end; what the socket could not send yet
    // (bufferedAmount) is what a slow reader leaves behind.
    if (this.ws.bufferedAmount > this.limits.maxBuffered) return this.closeSlow();
    if (this.pending.length === 0) scheduleFlush(this);
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (seq !== undefined && seq > this.floor) this.floor = seq;
  }

  private closeSlow(): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    this.closing = true;
    this.backlog = null;
    this.pending.length = 0;
    this.pendingBytes = 0;
    logger.warn(
      { connectionId: this.id, channelId: this.channelId, bufferedBytes: this.ws.bufferedAmount },
      'Slow consumer disconnected: send buffer over websocket.max_buffered_bytes',
    );
    this.ws.close(CloseCode.TRY_AGAIN_LATER, 'slow consumer');
    this.limits.onSlowClose?.();
    // A client that stopped reading may never complete the closing handshake: cut it after a grace.
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }
}

/** The payload of a prepared text frame (for the rare fallback through `ws.send`). */
function payloadOf(frame: Buffer): string {
  const len = frame[1] & 0x7f;
  const offset = len < 126 ? 2 : len === 126 ? 4 : 10;
  return frame.toString('utf8', offset);
}
