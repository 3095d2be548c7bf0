import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { MessageEntity } from './message.entity';

/**
 * Rows per INSERT statement: 7 columns each, 14,000 bound variables, under SQLite's 32,766 and
 * PostgreSQL's 65,535.
 */
const MAX_ROWS_PER_STATEMENT = 2000;

interface PendingAppend {
  rows: MessageEntity[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Stored broadcasts. `append` is group-committed: every append that arrives while a write is in
 * progress joins the next one, so one commit (one fsync) serves many broadcasts from many
 * channels. When `append` resolves, the rows are committed.
 *
 * A group is written as one multi-row INSERT, atomic on its own, with no explicit transaction:
 * TypeORM's SQLite driver runs every statement over one shared connection, where a transaction
 * left open across awaits would swallow other writers' statements (and roll them back with it
 * on failure). Only an append larger than MAX_ROWS_PER_STATEMENT is split over several statements.
 */
@Injectable()
export class MessageStore {
  private pending: PendingAppend[] = [];
  private flushing = false;

  constructor(@InjectRepository(MessageEntity) private readonly repo: Repository<MessageEntity>) {}

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
        const batch = this.takeGroup();
        const rows = batch.flatMap((p) => p.rows);
        try {
          for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
            await this.repo.insert(rows.slice(i, i + MAX_ROWS_PER_STATEMENT));
          }
          batch.forEach((p) => p.resolve());
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The pending appends that fit one statement (at least one), in arrival order. */
  private takeGroup(): PendingAppend[] {
    let rows = 0;
    let n = 0;
    while (
      n < this.pending.length &&
      (n === 0 || rows + this.pending[n].rows.length <= MAX_ROWS_PER_STATEMENT)
    ) {
      rows += this.pending[n].rows.length;
      n++;
    }
    return this.pending.splice(0, n);
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
