import { Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HubConfig } from '../config/config.schema';
import { HUB_CONFIG } from '../config/hub.config';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM on an embedded SQLite file (WAL mode: readers never block the writer; the default
 * `synchronous=FULL`, so a commit is on disk when it returns), or on PostgreSQL when
 * `database_url` is set. The schema comes from the same migrations, run at start-up; never
 * `synchronize`.
 */
export function typeOrmOptions(config: HubConfig): TypeOrmModuleOptions {
  const common = {
    autoLoadEntities: true,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: ['error' as const],
    retryAttempts: 1,
  };
  if (config.database_url) {
    return { type: 'postgres', url: config.database_url, ...common };
  }
  const database = resolve(config.db_path);
  mkdirSync(dirname(database), { recursive: true });
  return { type: 'sqlite', database, enableWAL: true, busyTimeout: 5000, ...common };
}

/** Where the data lives, for logs: the SQLite path, or the PostgreSQL URL without its password. */
export function describeDatabase(config: HubConfig): string {
  if (!config.database_url) return config.db_path;
  try {
    const url = new URL(config.database_url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
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
