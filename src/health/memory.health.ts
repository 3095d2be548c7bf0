import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { getHeapStatistics } from 'node:v8';

/** Share of V8's heap limit above which the process reports itself not ready. */
export const HEAP_READY_RATIO = 0.9;

@Injectable()
export class MemoryHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  check(key: string) {
    const { used_heap_size, heap_size_limit } = getHeapStatistics();
    const details = {
      heapUsedBytes: used_heap_size,
      heapLimitBytes: heap_size_limit,
      rssBytes: process.memoryUsage.rss(),
    };
    const indicator = this.health.check(key);
    return used_heap_size < heap_size_limit * HEAP_READY_RATIO
      ? indicator.up(details)
      : indicator.down(details);
  }
}
