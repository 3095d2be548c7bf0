import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { BroadcastService } from '../broadcast/broadcast.service';
import { Frame, broadcastFrame, frame } from '../broadcast/frames';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { MessageEntity } from '../history/message.entity';
import { MessageStore } from '../history/message-store';
import { MetricsService } from '../metrics/metrics.service';
import { ChannelStatus, LifecycleAction, nextStatus } from './channel-state';
import { ChannelEntity } from './channel.entity';
import { HubError, HubErrorCode } from './channel.errors';
import { BroadcastDto, BroadcastResultDto } from './dto/broadcast.dto';
import { ChannelResponseDto, toChannelResponse } from './dto/channel-response.dto';
import { CreateChannelDto } from './dto/create-channel.dto';
import { UpdateChannelDto } from './dto/update-channel.dto';
import { Sequencer } from './sequencer';

/** Window of `rate_limit_per_minute`. */
export const RATE_WINDOW_MS = 60_000;

/** Close code sent to clients when their channel is stopped or deleted (normal closure). */
export const CLOSE_CHANNEL_STOPPED = 1000;

interface SequencedMessage {
  frame: Frame;
  persisted: boolean;
}

interface ChannelRuntime {
  entity: ChannelEntity;
  sequencer: Sequencer<SequencedMessage, BroadcastResultDto>;
}

/**
 * Channels: their rows, lifecycle and broadcasts. The rows are loaded once at start-up and kept
 * in memory; every change is written through to the database before it is answered, so the
 * broadcast and connection paths never wait on a read.
 */
@Injectable()
export class ChannelsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChannelsService.name);
  private readonly channels = new Map<string, ChannelRuntime>();

  constructor(
    @InjectRepository(ChannelEntity) private readonly repo: Repository<ChannelEntity>,
    private readonly broadcast: BroadcastService,
    @InjectHubConfig() private readonly config: HubConfig,
    @InjectThrottlerStorage() private readonly throttlerStorage: ThrottlerStorage,
    private readonly messages: MessageStore,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const rows = await this.repo.find();
    for (const entity of rows) this.channels.set(entity.id, this.runtimeFor(entity));
    const active = rows.filter((r) => r.status === 'Active').length;
    this.logger.log(
      { channels: rows.length, active },
      `Loaded ${rows.length} channel(s), ${active} active`,
    );
  }

  /**
   * Writes each channel's exact last `seq` back, so a clean restart continues without a gap. The
   * sequencer's reservation shrinks to match first: a broadcast still arriving reserves (and
   * writes) a new block instead of using numbers the database no longer covers.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const rt of this.channels.values()) {
      if (rt.entity.seqCeiling === rt.sequencer.lastSeq) continue;
      rt.entity.seqCeiling = rt.sequencer.releaseReservation();
      await this.repo
        .update(rt.entity.id, { seqCeiling: rt.entity.seqCeiling })
        .catch((err: unknown) =>
          this.logger.warn({ err, channelId: rt.entity.id }, 'could not write the last seq back'),
        );
    }
  }

  async create(dto: CreateChannelDto): Promise<ChannelResponseDto> {
    const now = new Date().toISOString();
    const entity = this.repo.create({
      id: randomUUID(),
      name: dto.name,
      description: dto.description ?? null,
      status: 'Created',
      createdAt: now,
      updatedAt: now,
      maxConnections: dto.settings?.max_connections ?? this.config.max_connections_per_channel,
      allowClientMessages: dto.settings?.allow_client_messages ?? false,
      persistMessages:
        dto.settings?.persist_messages ?? this.config.persistence.persist_messages_default,
      rateLimitPerMinute:
        dto.settings?.rate_limit_per_minute ?? this.config.rate_limit_per_minute_default,
      seqCeiling: 0,
    });
    await this.repo.insert(entity);
    const rt = this.runtimeFor(entity);
    this.channels.set(entity.id, rt);
    this.logger.log({ channelId: entity.id }, `Channel created: ${entity.name}`);
    return this.toResponse(rt);
  }

  /** Newest first. */
  list(status?: ChannelStatus): ChannelResponseDto[] {
    return [...this.channels.values()]
      .filter((rt) => !status || rt.entity.status === status)
      .sort((a, b) => b.entity.createdAt.localeCompare(a.entity.createdAt))
      .map((rt) => this.toResponse(rt));
  }

  get(id: string): ChannelResponseDto {
    return this.toResponse(this.runtime(id));
  }

  async update(id: string, dto: UpdateChannelDto): Promise<ChannelResponseDto> {
    const rt = this.runtime(id);
    const changes: Partial<ChannelEntity> = {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.description !== undefined && { description: dto.description }),
      ...(dto.settings?.max_connections !== undefined && {
        maxConnections: dto.settings.max_connections,
      }),
      ...(dto.settings?.allow_client_messages !== undefined && {
        allowClientMessages: dto.settings.allow_client_messages,
      }),
      ...(dto.settings?.persist_messages !== undefined && {
        persistMessages: dto.settings.persist_messages,
      }),
      ...(dto.settings?.rate_limit_per_minute !== undefined && {
        rateLimitPerMinute: dto.settings.rate_limit_per_minute,
      }),
      updatedAt: new Date().toISOString(),
    };
    // Only the changed columns: a full save could write back a stale seq ceiling.
    await this.repo.update(id, changes);
    Object.assign(rt.entity, changes);
    return this.toResponse(rt);
  }

  /** Disconnects every client (a `stopped` frame, then close 1000) and removes the channel. */
  async remove(id: string): Promise<void> {
    const rt = this.runtime(id);
    await this.messages.deleteChannel(id);
    await this.repo.delete(id);
    this.channels.delete(id);
    this.broadcast.end(
      id,
      frame('stopped', id, `Channel ${rt.entity.name} was deleted`),
      CLOSE_CHANNEL_STOPPED,
      'channel deleted',
    );
    this.logger.log({ channelId: id }, `Channel deleted: ${rt.entity.name}`);
  }

  /**
   * Applies `start`, `pause` or `stop` by the lifecycle table. Pausing keeps clients connected
   * and sends them `paused`; starting a paused channel sends `resumed`; stopping sends `stopped`
   * and closes every connection with 1000.
   */
  async transition(id: string, action: LifecycleAction): Promise<ChannelResponseDto> {
    const rt = this.runtime(id);
    const from = rt.entity.status;
    const to = nextStatus(from, action);
    if (to === null) {
      throw new HubError(
        HubErrorCode.INVALID_TRANSITION,
        `Cannot ${action} channel ${rt.entity.name}: its status is ${from}`,
      );
    }
    if (to === from) return this.toResponse(rt);

    const updatedAt = new Date().toISOString();
    await this.repo.update(id, { status: to, updatedAt });
    rt.entity.status = to;
    rt.entity.updatedAt = updatedAt;
    this.logger.log({ channelId: id, from, to }, `Channel ${rt.entity.name}: ${from} -> ${to}`);

    const name = rt.entity.name;
    if (to === 'Paused')
      this.broadcast.publish(id, frame('paused', id, `Channel ${name} is paused`));
    else if (to === 'Active' && from === 'Paused')
      this.broadcast.publish(id, frame('resumed', id, `Channel ${name} is active again`));
    else if (to === 'Stopped')
      this.broadcast.end(
        id,
        frame('stopped', id, `Channel ${name} was stopped`),
        CLOSE_CHANNEL_STOPPED,
        'channel stopped',
      );
    return this.toResponse(rt);
  }

  /**
   * Numbers the message, stores it when the channel persists messages, and hands it to every
   * connected client. Messages of one channel are delivered in `seq` order. Refused (409) when the
   * channel is not Active: nothing is delivered and nothing stored.
   */
  broadcastMessage(id: string, dto: BroadcastDto): Promise<BroadcastResultDto> {
    const rt = this.runtime(id);
    this.assertActive(rt);
    return rt.sequencer.submit({
      build: (seq) => ({
        frame: broadcastFrame({
          channelId: id,
          content: dto.content,
          data: dto.data ?? null,
          seq,
          id: randomUUID(),
          timestamp: new Date().toISOString(),
        }),
        persisted: rt.entity.persistMessages,
      }),
      publish: (msg) => {
        const started = process.hrtime.bigint();
        const recipients = this.broadcast.publish(id, msg.frame, { seq: msg.frame.seq });
        this.metrics.broadcastPublished(recipients);
        // The sockets write in a flush scheduled (setImmediate) during publish: this runs after it.
        if (recipients > 0) setImmediate(observeFanOut, this.metrics, started);
        return {
          id: msg.frame.id!,
          channel_id: id,
          seq: msg.frame.seq!,
          recipients,
          persisted: msg.persisted,
          timestamp: msg.frame.timestamp,
        };
      },
    });
  }

  /**
   * Checks that a client may join the channel now: it exists, is Active and has room. The caller
   * subscribes in the same tick, so the connection count cannot be overtaken.
   */
  admit(id: string): ChannelResponseDto {
    const rt = this.channels.get(id);
    if (!rt) throw new HubError(HubErrorCode.CHANNEL_NOT_FOUND, `Channel ${id} not found`);
    if (rt.entity.status !== 'Active')
      throw new HubError(
        HubErrorCode.CHANNEL_NOT_ACTIVE,
        `Channel ${rt.entity.name} is not active`,
      );
    if (this.broadcast.subscriberCount(id) >= rt.entity.maxConnections) {
      throw new HubError(HubErrorCode.CHANNEL_FULL, `Channel ${rt.entity.name} is full`);
    }
    return this.toResponse(rt);
  }

  /** The channel's `rate_limit_per_minute` (0: unlimited), or 0 for an unknown channel. */
  rateLimitOf(id: string): number {
    return this.channels.get(id)?.entity.rateLimitPerMinute ?? 0;
  }

  /**
   * Relays a client's text to every other client of the channel, when the channel allows it.
   * Client messages have their own per-channel budget of `rate_limit_per_minute`, kept in the
   * throttler's storage, so chatty clients cannot use up the operator's broadcast budget.
   */
  async clientMessage(id: string, connectionId: string, text: string): Promise<number> {
    const rt = this.channels.get(id);
    if (!rt) throw new HubError(HubErrorCode.CHANNEL_NOT_FOUND, `Channel ${id} not found`);
    if (!rt.entity.allowClientMessages) {
      throw new HubError(
        HubErrorCode.CLIENT_MESSAGES_DISABLED,
        `Client messages are not allowed in channel ${rt.entity.name}`,
      );
    }
    this.assertActive(rt);
    const limit = rt.entity.rateLimitPerMinute;
    if (limit > 0) {
      const key = `client-messages:${id}`;
      const record = await this.throttlerStorage.increment(
        key,
        RATE_WINDOW_MS,
        limit,
        0,
        'default',
      );
      if (record.totalHits > limit) {
        const retry = Math.max(1, record.timeToExpire);
        this.metrics.rateLimited('client_message');
        throw new HubError(
          HubErrorCode.RATE_LIMITED,
          `Rate limit of ${limit} client messages per minute reached for this channel; retry in ${retry} s`,
          retry,
        );
      }
    }
    const relayed = frame('client_message', id, `Client message in ${rt.entity.name}: ${text}`, {
      original_message: text,
      sender: 'client',
    });
    const recipients = this.broadcast.publish(id, relayed, { except: connectionId });
    this.metrics.clientMessageRelayed(recipients);
    return recipients;
  }

  private assertActive(rt: ChannelRuntime): void {
    if (rt.entity.status !== 'Active') {
      throw new HubError(
        HubErrorCode.CHANNEL_NOT_ACTIVE,
        `Channel ${rt.entity.name} is not active (status: ${rt.entity.status})`,
      );
    }
  }

  private runtime(id: string): ChannelRuntime {
    const rt = this.channels.get(id);
    if (!rt) throw new HubError(HubErrorCode.CHANNEL_NOT_FOUND, `Channel ${id} not found`);
    return rt;
  }

  private runtimeFor(entity: ChannelEntity): ChannelRuntime {
    const rt: ChannelRuntime = {
      entity,
      sequencer: new Sequencer(entity.seqCeiling, entity.seqCeiling, {
        reserve: async (ceiling) => {
          await this.repo.update(entity.id, { seqCeiling: ceiling });
          entity.seqCeiling = ceiling;
        },
        persist: (messages) => {
          const rows = messages.filter((m) => m.persisted).map(toRow);
          return rows.length > 0 ? this.messages.append(rows) : undefined;
        },
        admit: () => {
          if (!this.channels.has(entity.id))
            throw new HubError(HubErrorCode.CHANNEL_NOT_FOUND, `Channel ${entity.id} not found`);
          this.assertActive(rt);
        },
      }),
    };
    return rt;
  }

  /**
   * Stored broadcasts with `seq > afterSeq`, in order, as the frames clients received.
   * Empty for a channel that does not persist messages.
   */
  async history(id: string, afterSeq: number, limit: number): Promise<Frame[]> {
    this.runtime(id);
    const rows = await this.messages.after(id, afterSeq, limit);
    return rows.map(toFrame);
  }

  private toResponse(rt: ChannelRuntime): ChannelResponseDto {
    return toChannelResponse(
      rt.entity,
      this.broadcast.subscriberCount(rt.entity.id),
      rt.sequencer.lastSeq,
    );
  }
}

/** Fan-out latency of a broadcast published at `started` (process.hrtime.bigint()). */
function observeFanOut(metrics: MetricsService, started: bigint): void {
  metrics.fanOutDuration(Number(process.hrtime.bigint() - started) / 1e9);
}

function toRow(msg: SequencedMessage): MessageEntity {
  const f = msg.frame;
  return {
    channelId: f.channel_id!,
    seq: f.seq!,
    id: f.id!,
    content: f.message,
    data: f.data === null || f.data === undefined ? null : JSON.stringify(f.data),
    messageType: 'Broadcast',
    createdAt: f.timestamp,
  };
}

/** A stored row as the broadcast frame it was delivered as. */
export function toFrame(row: MessageEntity): Frame {
  return broadcastFrame({
    channelId: row.channelId,
    content: row.content,
    data: row.data === null ? null : (JSON.parse(row.data) as unknown),
    seq: row.seq,
    id: row.id,
    timestamp: row.createdAt,
  });
}
