import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BroadcastHealthIndicator } from './broadcast.health';
import { BroadcastService } from './broadcast.service';

@Module({
  imports: [TerminusModule],
  providers: [BroadcastService, BroadcastHealthIndicator],
  exports: [BroadcastService, BroadcastHealthIndicator],
})
export class BroadcastModule {}
