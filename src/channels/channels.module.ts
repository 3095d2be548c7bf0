import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BroadcastModule } from '../broadcast/broadcast.module';
import { HistoryModule } from '../history/history.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ChannelEntity } from './channel.entity';
import { ChannelsController } from './channels.controller';
import { ChannelsService, DEFAULT_RATE_LIMIT_PER_MINUTE, RATE_WINDOW_MS } from './channels.service';
import { ChannelThrottlerGuard } from './channel-throttler.guard';

@Module({
  imports: [
    TypeOrmModule.forFeature([ChannelEntity]),
    BroadcastModule,
    HistoryModule,
    MetricsModule,
    // The limit and window are the channel's own; see ChannelThrottlerGuard.
    ThrottlerModule.forRoot({
      throttlers: [{ name: 'default', ttl: RATE_WINDOW_MS, limit: DEFAULT_RATE_LIMIT_PER_MINUTE }],
    }),
  ],
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelThrottlerGuard],
  exports: [ChannelsService],
})
export class ChannelsModule {}
