import { Injectable, Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import { Frame } from './frames';

/** One serialized frame on its way to every subscriber of a channel. */
export interface Delivery {
  /** The frame, `JSON.stringify`-ed once for all subscribers. */
  readonly payload: string;
  /** The broadcast's `seq`, for subscribers that merge live frames with replayed history. */
  readonly seq?: number;
  /** Connection that must not receive it (the sender of a client message). */
  readonly except?: string;
  /** When set, every subscriber closes its connection with this code after sending the frame. */
  readonly close?: { readonly code: number; readonly reason: string };
}

/** A transport endpoint (a WebSocket in production, a recorder in unit tests). */
export interface Subscriber {
  readonly id: string;
  /** Must not block. May throw: a throwing subscriber is logged and skipped, never fatal. */
  deliver(delivery: Delivery): void;
}

interface ChannelStream {
  readonly subject: Subject<Delivery>;
  /** Insertion-ordered; iterated by the stream's one subscription. */
  readonly subscribers: Set<Subscriber>;
}

/**
 * The in-process fan-out: one RxJS Subject per channel. Knows nothing of HTTP, WebSocket or
 * storage. Each channel's Subject has a single subscription that hands every delivery to the
 * channel's subscribers in a plain loop: joining a channel costs one Set entry, not an RxJS
 * subscriber chain, and a delivery allocates nothing per subscriber.
 *
 * Guarantees:
 * - Ordering: each subscriber sees a channel's deliveries in publish order.
 * - Delivery: at most once, to the subscribers present when `publish` runs (synchronously).
 *   Replay of missed messages comes only from persisted history, not from here.
 * - Isolation: a delivery reaches the subscribers of its channel and no other; one subscriber
 *   throwing does not stop delivery to the others.
 */
@Injectable()
export class BroadcastService {
  private readonly logger = new Logger(BroadcastService.name);
  private readonly streams = new Map<string, ChannelStream>();

  /** Adds a subscriber to a channel, until `unsubscribe`. */
  subscribe(channelId: string, subscriber: Subscriber): void {
    this.streamOf(channelId).subscribers.add(subscriber);
  }

  /** Removes a subscriber; a channel's stream ends with its last subscriber. */
  unsubscribe(channelId: string, subscriber: Subscriber): void {
    const stream = this.streams.get(channelId);
    if (!stream || !stream.subscribers.delete(subscriber)) return;
    if (stream.subscribers.size === 0) {
      this.streams.delete(channelId);
      stream.subject.complete();
    }
  }

  /** Serializes the frame once and hands it to every subscriber of the channel. Returns how many. */
  publish(channelId: string, frame: Frame, options: Omit<Delivery, 'payload'> = {}): number {
    const stream = this.streams.get(channelId);
    if (!stream) return 0;
    const recipients = stream.subscribers.size - (options.except ? 1 : 0);
    stream.subject.next({ payload: JSON.stringify(frame), ...options });
    return recipients;
  }

  /** Sends a last frame that closes every connection of the channel, then ends the stream. */
  end(channelId: string, lastFrame: Frame, code: number, reason: string): void {
    const stream = this.streams.get(channelId);
    if (!stream) return;
    this.streams.delete(channelId);
    stream.subject.next({ payload: JSON.stringify(lastFrame), close: { code, reason } });
    stream.subject.complete();
  }

  subscriberCount(channelId: string): number {
    return this.streams.get(channelId)?.subscribers.size ?? 0;
  }

  /** Visits every channel that has subscribers now, with how many. */
  forEachChannel(visit: (channelId: string, subscribers: number) => void): void {
    for (const [channelId, stream] of this.streams) visit(channelId, stream.subscribers.size);
  }

  totalSubscribers(): number {
    let total = 0;
    for (const stream of this.streams.values()) total += stream.subscribers.size;
    return total;
  }

  /** Completes every stream (shutdown, after the sockets are closed). */
  completeAll(): void {
    for (const stream of this.streams.values()) stream.subject.complete();
    this.streams.clear();
  }

  private fanOut(channelId: string, subscribers: Set<Subscriber>, delivery: Delivery): void {
    for (const subscriber of subscribers) {
      if (delivery.except === subscriber.id) continue;
      try {
        subscriber.deliver(delivery);
      } catch (err) {
        this.logger.warn(
          { err, channelId, connectionId: subscriber.id },
          'delivery to a subscriber failed',
        );
      }
    }
  }

  private streamOf(channelId: string): ChannelStream {
    let stream = this.streams.get(channelId);
    if (!stream) {
      const subscribers = new Set<Subscriber>();
      const subject = new Subject<Delivery>();
      subject.subscribe({
        next: (delivery) => this.fanOut(channelId, subscribers, delivery),
        error: (err: unknown) => this.logger.error({ err, channelId }, 'channel stream errored'),
      });
      stream = { subject, subscribers };
      this.streams.set(channelId, stream);
    }
    return stream;
  }
}
