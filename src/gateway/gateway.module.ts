import { Module } from '@nestjs/common';
import { BroadcastModule } from '../broadcast/broadcast.module';
import { ChannelsModule } from '../channels/channels.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ChannelsGateway } from './channels.gateway';
import { ConnectionRegistry } from './connection-registry';
import { RecoveryService } from './recovery.service';

@Module({
  imports: [ChannelsModule, BroadcastModule, MetricsModule],
  providers: [ChannelsGateway, ConnectionRegistry, RecoveryService],
  exports: [ConnectionRegistry],
})
export class GatewayModule {}
