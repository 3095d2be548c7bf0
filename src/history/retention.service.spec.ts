import { Logger } from '@nestjs/common';
import { HubConfig } from '../config/config.schema';
import { MessageStore } from './message-store';
import {
  RETENTION_BATCH,
  RETENTION_FIRST_RUN_MS,
  RETENTION_INTERVAL_MS,
  RetentionService,
} from './retention.service';

function fakeStore(overrides: Partial<Record<keyof MessageStore, jest.Mock>> = {}) {
  return {
    pruneOlderThan: jest.fn().mockResolvedValue(0),
    pruneBeyond: jest.fn().mockResolvedValue(0),
    channelsWithMoreThan: jest.fn().mockResolvedValue([]),
    ...overrides,
  };
}

function config(): HubConfig {
  return {
    persistence: { message_retention_days: 30, max_messages_per_channel: 100 },
  } as HubConfig;
}

describe('RetentionService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('repeats full batches until one is short, for age and then for each channel over the limit', async () => {
    const store = fakeStore({
      pruneOlderThan: jest
        .fn()
        .mockResolvedValue(0)
        .mockResolvedValueOnce(RETENTION_BATCH)
        .mockResolvedValueOnce(RETENTION_BATCH)
        .mockResolvedValueOnce(12),
      channelsWithMoreThan: jest.fn().mockResolvedValue(['a', 'b']),
      pruneBeyond: jest
        .fn()
        .mockResolvedValue(0)
        .mockResolvedValueOnce(RETENTION_BATCH)
        .mockResolvedValueOnce(0)
        .mockResolvedValueOnce(7),
    });
    const cfg = config();
    const service = new RetentionService(store as unknown as MessageStore, cfg);
    const log = jest.spyOn(Logger.prototype, 'log');

    const before = Date.now();
    expect(await service.runOnce()).toEqual({ byAge: 1012, byCount: 507 });
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(3);
    const cutoff = Date.parse(store.pruneOlderThan.mock.calls[0][0] as string);
    expect(cutoff).toBeGreaterThanOrEqual(before - 30 * 86_400_000);
    expect(cutoff).toBeLessThanOrEqual(Date.now() - 30 * 86_400_000);
    expect(store.channelsWithMoreThan).toHaveBeenCalledWith(100);
    expect(store.pruneBeyond.mock.calls).toEqual([
      ['a', 100, RETENTION_BATCH],
      ['a', 100, RETENTION_BATCH],
      ['b', 100, RETENTION_BATCH],
    ]);
    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({ byAge: 1012, byCount: 507 }),
      expect.stringContaining('Pruned 1519'),
    );

    log.mockClear();
    expect(await service.runOnce()).toEqual({ byAge: 0, byCount: 0 });
    expect(log).not.toHaveBeenCalled();
  });

  it('runs shortly after start, then on an interval; errors are logged and do not stop it', async () => {
    jest.useFakeTimers();
    const store = fakeStore({
      pruneOlderThan: jest
        .fn()
        .mockRejectedValueOnce(new Error('disk I/O error'))
        .mockResolvedValue(0),
    });
    const service = new RetentionService(store as unknown as MessageStore, config());
    const error = jest.spyOn(Logger.prototype, 'error');

    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(RETENTION_FIRST_RUN_MS - 1);
    expect(store.pruneOlderThan).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(
      { err: expect.objectContaining({ message: 'disk I/O error' }) },
      expect.any(String),
    );

    await jest.advanceTimersByTimeAsync(RETENTION_INTERVAL_MS);
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(RETENTION_INTERVAL_MS);
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(3);

    await service.onModuleDestroy();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10 * RETENTION_INTERVAL_MS);
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(3);
  });

  it('reads the settings at every run', async () => {
    const store = fakeStore();
    const cfg = config();
    const service = new RetentionService(store as unknown as MessageStore, cfg);
    await service.runOnce();
    cfg.persistence.max_messages_per_channel = 5;
    cfg.persistence.message_retention_days = 1;
    const before = Date.now();
    await service.runOnce();
    expect(store.channelsWithMoreThan).toHaveBeenLastCalledWith(5);
    const cutoff = Date.parse(store.pruneOlderThan.mock.calls[1][0] as string);
    expect(cutoff).toBeGreaterThanOrEqual(before - 86_400_000);
  });

  it('does not keep the process alive: its timer is unref()ed', async () => {
    const service = new RetentionService(fakeStore() as unknown as MessageStore, config());
    service.onApplicationBootstrap();
    const timer = (service as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    await service.onModuleDestroy();
  });

  it('on shutdown, a run in progress stops after its current batch', async () => {
    let release!: () => void;
    const store = fakeStore({
      pruneOlderThan: jest.fn(
        () => new Promise<number>((r) => (release = () => r(RETENTION_BATCH))),
      ),
    });
    const service = new RetentionService(store as unknown as MessageStore, config());
    const run = service.runOnce();
    await Promise.resolve();
    const destroyed = service.onModuleDestroy();
    release();
    await destroyed;
    expect(await run).toEqual({ byAge: RETENTION_BATCH, byCount: 0 });
    expect(store.pruneOlderThan).toHaveBeenCalledTimes(1);
    expect(store.channelsWithMoreThan).not.toHaveBeenCalled();
    expect(store.pruneBeyond).not.toHaveBeenCalled();
  });
});
