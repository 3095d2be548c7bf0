import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { unwatchFile, watchFile } from 'node:fs';
import {
  ConfigError,
  ConfigSources,
  getPath,
  loadConfig,
  resolveConfigFile,
  setPath,
} from './config.loader';
import { HubConfig, SETTINGS } from './config.schema';

/** Settings that only take effect at start-up: a change is reported, not applied. */
export const RESTART_REQUIRED = new Set(['host', 'port', 'db_path', 'database_url']);

/** How often the config file's modification time is checked. */
const WATCH_INTERVAL_MS = 1000;

export interface ReloadResult {
  applied: string[];
  needsRestart: string[];
  error?: string;
}

/**
 * Hot reload: re-reads defaults < TOML file < env when the config file changes (polled) or on
 * SIGHUP, validates the whole result, and applies the changed settings in place to the live
 * configuration object that every service reads, so nothing restarts and no WebSocket client
 * is dropped. Host, port and the database need a restart: a change to them is logged and left
 * alone. An invalid edit keeps the running configuration and logs why.
 */
@Injectable()
export class ConfigReloader implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConfigReloader.name);
  private readonly listeners: Array<(changed: string[]) => void> = [];
  private watched: string | null = null;

  constructor(
    private readonly config: HubConfig,
    private readonly sources: ConfigSources | null,
  ) {}

  onModuleInit(): void {
    if (!this.sources) return;
    const file = resolveConfigFile(this.sources);
    if (!file) return;
    this.watched = file;
    watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, (curr, prev) => {
      if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size)
        this.reload(`change of ${file}`);
    });
  }

  onModuleDestroy(): void {
    if (this.watched) unwatchFile(this.watched);
  }

  /** Called after settings changed, with their keys. */
  onChange(listener: (changed: string[]) => void): void {
    this.listeners.push(listener);
  }

  reload(reason: string): ReloadResult {
    if (!this.sources)
      return { applied: [], needsRestart: [], error: 'no configuration sources to reload from' };
    let next: HubConfig;
    try {
      next = loadConfig(this.sources).config;
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : String(err);
      this.logger.warn(
        { reason, error },
        'Configuration reload rejected; the running configuration is kept',
      );
      return { applied: [], needsRestart: [], error };
    }
    const applied: string[] = [];
    const needsRestart: string[] = [];
    for (const { key } of SETTINGS) {
      const before = getPath(this.config, key);
      const after = getPath(next, key);
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      if (RESTART_REQUIRED.has(key)) {
        needsRestart.push(key);
        continue;
      }
      setPath(this.config, key, after);
      applied.push(key);
    }
    if (needsRestart.length > 0) {
      this.logger.warn(
        { reason, keys: needsRestart },
        `Changed settings need a restart to apply: ${needsRestart.join(', ')}`,
      );
    }
    if (applied.length > 0) {
      this.logger.log({ reason, keys: applied }, `Configuration reloaded: ${applied.join(', ')}`);
      for (const listener of this.listeners) listener(applied);
    }
    return { applied, needsRestart };
  }
}
