import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { MessageStore } from './message-store';

/** Rows deleted per statement group; between batches the event loop serves broadcasts. */
export const RETENTION_BATCH = 500;
/** First run after start-up, then one every RETENTION_INTERVAL_MS. */
export const RETENTION_FIRST_RUN_MS = 30_000;
export const RETENTION_INTERVAL_MS = 5 * 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionResult {
  /** Messages deleted for being older than `message_retention_days`. */
  byAge: number;
  /** Messages deleted for being beyond `max_messages_per_channel`. */
  byCount: number;
}

/**
 * Prunes stored messages in the background: those older than `persistence.message_retention_days`
 * and, per channel, those beyond the newest `persistence.max_messages_per_channel`. Deletes in
 * small batches and yields to the event loop between them, so a large backlog never holds up
 * broadcasting. Settings are read on every run.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionResult>;
  private stopped = false;
  private scheduleOff = false;

  constructor(
    private readonly store: MessageStore,
    @InjectHubConfig() private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(RETENTION_FIRST_RUN_MS);
  }

  /** Stops the schedule and waits for a run in progress to finish its current batch. */
  async onModuleDestroy(): Promise<void> {
    this.stopSchedule();
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  /** No more scheduled runs; `runOnce` still works. */
  stopSchedule(): void {
    this.scheduleOff = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One full pass. A call while a pass is running gets that pass's result. */
  runOnce(): Promise<RetentionResult> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.scheduleOff) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
    } catch (err) {
      this.logger.error({ err }, 'Message retention failed; it is retried at the next run');
    }
    this.schedule(RETENTION_INTERVAL_MS);
  }

  private async prune(): Promise<RetentionResult> {
    const started = Date.now();
    const { message_retention_days: days, max_messages_per_channel: keep } =
      this.config.persistence;

    const cutoff = new Date(started - days * DAY_MS).toISOString();
    const byAge = await this.drain(() => this.store.pruneOlderThan(cutoff, RETENTION_BATCH));

    let byCount = 0;
    const over = this.stopped ? [] : await this.store.channelsWithMoreThan(keep);
    for (const channelId of over) {
      if (this.stopped) break;
      byCount += await this.drain(() => this.store.pruneBeyond(channelId, keep, RETENTION_BATCH));
    }

    if (byAge > 0 || byCount > 0) {
      this.logger.log(
        { byAge, byCount, retentionDays: days, maxPerChannel: keep, ms: Date.now() - started },
        `Pruned ${byAge + byCount} stored message(s): ${byAge} older than ${days} day(s), ${byCount} beyond ${keep} per channel`,
      );
    }
    return { byAge, byCount };
  }

  /** Repeats one batch until it deletes less than a full batch, yielding between batches. */
  private async drain(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const deleted = await batch();
      total += deleted;
      if (!(deleted >= RETENTION_BATCH)) break;
      await yieldToEventLoop();
    }
    return total;
  }
}
