import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

const asNumber = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/** A stored broadcast. `(channel_id, seq)` is the key: history is read as ranges of `seq`. */
@Entity({ name: 'messages' })
@Index('idx_messages_created_at', ['createdAt'])
export class MessageEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'varchar', length: 36 })
  channelId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  seq!: number;

  @Column({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'text' })
  content!: string;

  /** The broadcast's `data` as JSON text; null when it had none. */
  @Column({ type: 'text', nullable: true })
  data!: string | null;

  @Column({ name: 'message_type', type: 'varchar', length: 32 })
  messageType!: string;

  /** ISO 8601 UTC; sorts like time, which retention relies on. */
  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
