import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateMessages1730000001000 implements MigrationInterface {
  name = 'CreateMessages1730000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'messages',
        columns: [
          { name: 'channel_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'id', type: 'varchar', length: '36' },
          { name: 'content', type: 'text' },
          { name: 'data', type: 'text', isNullable: true },
          { name: 'message_type', type: 'varchar', length: '32' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
      true,
    );
    await queryRunner.createIndex(
      'messages',
      new TableIndex({ name: 'idx_messages_created_at', columnNames: ['created_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('messages');
  }
}
