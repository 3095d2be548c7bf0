import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CHANNEL_STATUSES, ChannelStatus } from '../channel-state';

export class ListChannelsQuery {
  @ApiPropertyOptional({ enum: CHANNEL_STATUSES, description: 'Only channels in this status.' })
  @IsOptional()
  @IsIn(CHANNEL_STATUSES)
  status?: ChannelStatus;
}
