import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class CreateChannels1730000000000 implements MigrationInterface {
  name = 'CreateChannels1730000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'channels',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'description', type: 'text', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'updated_at', type: 'varchar', length: '32' },
          { name: 'max_connections', type: 'integer' },
          { name: 'allow_client_messages', type: 'boolean' },
          { name: 'persist_messages', type: 'boolean' },
          { name: 'rate_limit_per_minute', type: 'integer' },
          { name: 'seq_ceiling', type: 'bigint', default: 0 },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('channels');
  }
}
