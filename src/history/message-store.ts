import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, LessThan, MoreThan, Repository } from 'typeorm';
import { MessageEntity } from './message.entity';

/** Rows per INSERT: 7 columns each, well under SQLite's 999 bound variables. */
const INSERT_CHUNK = 100;

interface PendingAppend {
  rows: MessageEntity[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Stored broadcasts. `append` is group-committed: every append that arrives while a transaction
 * is being written joins the next one, so one fsync serves many broadcasts from many channels.
 * When `append` resolves, the rows are committed.
 */
@Injectable()
export class MessageStore {
  private pending: PendingAppend[] = [];
  private flushing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(MessageEntity) private readonly repo: Repository<MessageEntity>,
  ) {}

  append(rows: MessageEntity[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ rows, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        const rows = batch.flatMap((p) => p.rows);
        try {
          await this.dataSource.transaction(async (em) => {
            for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
              await em.insert(MessageEntity, rows.slice(i, i + INSERT_CHUNK));
            }
          });
          batch.forEach((p) => p.resolve());
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Stored messages with `seq > afterSeq`, in `seq` order. */
  after(channelId: string, afterSeq: number, limit: number): Promise<MessageEntity[]> {
    return this.repo.find({
      where: { channelId, seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      take: limit,
    });
  }

  deleteChannel(channelId: string): Promise<unknown> {
    return this.repo.delete({ channelId });
  }

  /** Deletes up to `batch` messages older than `isoTime`, oldest first; returns how many. */
  async pruneOlderThan(isoTime: string, batch: number): Promise<number> {
    const rows = await this.repo.find({
      select: { channelId: true, seq: true },
      where: { createdAt: LessThan(isoTime) },
      order: { createdAt: 'ASC' },
      take: batch,
    });
    return this.deleteRows(rows);
  }

  /** Deletes up to `batch` of the channel's oldest messages beyond the newest `keep`; returns how many. */
  async pruneBeyond(channelId: string, keep: number, batch: number): Promise<number> {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be >= 1, not ${keep}`);
    const newest = await this.repo.find({
      select: { seq: true },
      where: { channelId },
      order: { seq: 'DESC' },
      skip: keep - 1,
      take: 1,
    });
    if (newest.length === 0) return 0;
    const rows = await this.repo.find({
      select: { channelId: true, seq: true },
      where: { channelId, seq: LessThan(newest[0].seq) },
      order: { seq: 'ASC' },
      take: batch,
    });
    return this.deleteRows(rows);
  }

  /** Channels that have stored messages. */
  async channelsWithMessages(): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('m')
      .select('DISTINCT m.channel_id', 'channel_id')
      .getRawMany<{ channel_id: string }>();
    return rows.map((r) => r.channel_id);
  }

  /** Channels with more than `keep` stored messages. */
  async channelsWithMoreThan(keep: number): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('m')
      .select('m.channelId', 'channel_id')
      .groupBy('m.channelId')
      .having('COUNT(*) > :keep', { keep })
      .getRawMany<{ channel_id: string }>();
    return rows.map((r) => r.channel_id);
  }

  /**
   * One DELETE per channel, each atomic on its own, and no explicit transaction: on SQLite
   * TypeORM runs every query on one shared connection, so a transaction here would nest into a
   * concurrent `append` commit (as a savepoint) and could roll that commit back with it, or be
   * committed by it. Returns the rows actually deleted.
   */
  private async deleteRows(rows: Array<Pick<MessageEntity, 'channelId' | 'seq'>>): Promise<number> {
    const byChannel = new Map<string, number[]>();
    for (const r of rows) {
      const seqs = byChannel.get(r.channelId);
      if (seqs) seqs.push(r.seq);
      else byChannel.set(r.channelId, [r.seq]);
    }
    let deleted = 0;
    for (const [channelId, seqs] of byChannel) {
      const result = await this.repo
        .createQueryBuilder()
        .delete()
        .from(MessageEntity)
        .where('channel_id = :channelId AND seq IN (:...seqs)', { channelId, seqs })
        .execute();
      deleted += result.affected ?? seqs.length;
    }
    return deleted;
  }
}
