import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BroadcastModule } from '../broadcast/broadcast.module';
import { HistoryModule } from '../history/history.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ChannelEntity } from './channel.entity';
import { ChannelsController } from './channels.controller';
import { ChannelsService, RATE_WINDOW_MS } from './channels.service';
import { ChannelThrottlerGuard } from './channel-throttler.guard';

@Module({
  imports: [
    TypeOrmModule.forFeature([ChannelEntity]),
    BroadcastModule,
    HistoryModule,
    MetricsModule,
    // Storage and guard only: ChannelThrottlerGuard replaces this placeholder limit with each
    // channel's own rate_limit_per_minute.
    ThrottlerModule.forRoot({
      throttlers: [{ name: 'default', ttl: RATE_WINDOW_MS, limit: 1 }],
    }),
  ],
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelThrottlerGuard],
  exports: [ChannelsService],
})
export class ChannelsModule {}
