import { Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HubConfig } from '../config/config.schema';
import { HUB_CONFIG } from '../config/hub.config';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM on an embedded SQLite file: WAL mode (readers never block the writer), schema by
 * migrations run at start-up, never `synchronize`.
 */
export function typeOrmOptions(config: HubConfig): TypeOrmModuleOptions {
  const database = resolve(config.db_path);
  mkdirSync(dirname(database), { recursive: true });
  return {
    type: 'sqlite',
    database,
    enableWAL: true,
    busyTimeout: 5000,
    autoLoadEntities: true,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    retryAttempts: 1,
  };
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: typeOrmOptions,
    }),
  ],
})
export class PersistenceModule {}
