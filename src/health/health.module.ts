import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BroadcastModule } from '../broadcast/broadcast.module';
import { HealthController } from './health.controller';
import { MemoryHealthIndicator } from './memory.health';
import { ReadinessState } from './readiness.state';

@Module({
  imports: [TerminusModule, BroadcastModule],
  controllers: [HealthController],
  providers: [MemoryHealthIndicator, ReadinessState],
  exports: [ReadinessState],
})
export class HealthModule {}
