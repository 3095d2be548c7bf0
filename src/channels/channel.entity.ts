import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ChannelStatus } from './channel-state';

/** A channel row. Settings are plain columns so they can be filtered and migrated one by one. */
@Entity({ name: 'channels' })
export class ChannelEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: ChannelStatus;

  /** ISO 8601 UTC, stored as text so every driver returns the same string. */
  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;

  @Column({ name: 'max_connections', type: 'integer' })
  maxConnections!: number;

  @Column({ name: 'allow_client_messages', type: 'boolean' })
  allowClientMessages!: boolean;

  @Column({ name: 'persist_messages', type: 'boolean' })
  persistMessages!: boolean;

  @Column({ name: 'rate_limit_per_minute', type: 'integer' })
  rateLimitPerMinute!: number;

  /**
   * Highest `seq` that may have been handed out. Sequence numbers are reserved in blocks and this
   * ceiling is written before any number in the block is used, so `seq` is never reused even
   * after a crash; a clean shutdown writes the exact last value back.
   */
  @Column({
    name: 'seq_ceiling',
    type: 'bigint',
    default: 0,
    transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) },
  })
  seqCeiling!: number;
}
