import { Module } from '@nestjs/common';
import { BroadcastModule } from '../broadcast/broadcast.module';
import { HttpMetricsListener } from './http-metrics.listener';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Prometheus metrics: the registry, `GET /metrics` and the HTTP request timings. */
@Module({
  imports: [BroadcastModule],
  controllers: [MetricsController],
  providers: [MetricsService, HttpMetricsListener],
  exports: [MetricsService],
})
export class MetricsModule {}
