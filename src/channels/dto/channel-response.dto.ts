import { ApiProperty } from '@nestjs/swagger';
import { CHANNEL_STATUSES, ChannelStatus } from '../channel-state';
import { ChannelEntity } from '../channel.entity';

export class ChannelSettingsResponseDto {
  @ApiProperty({ example: 100 })
  max_connections!: number;
  @ApiProperty({ example: true })
  allow_client_messages!: boolean;
  @ApiProperty({ example: false })
  persist_messages!: boolean;
  @ApiProperty({ example: 30, description: '0 means unlimited.' })
  rate_limit_per_minute!: number;
}

export class ChannelResponseDto {
  @ApiProperty({ format: 'uuid', example: '550e8400-e29b-41d4-a716-446655440000' })
  id!: string;
  @ApiProperty({ example: 'Sistema de Turnos' })
  name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Canal para llamar turnos en clínica' })
  description!: string | null;
  @ApiProperty({ enum: CHANNEL_STATUSES, example: 'Created' })
  status!: ChannelStatus;
  @ApiProperty({ format: 'date-time', example: '2024-06-01T10:35:00.000Z' })
  created_at!: string;
  @ApiProperty({ format: 'date-time', example: '2024-06-01T10:35:00.000Z' })
  updated_at!: string;
  @ApiProperty({ type: ChannelSettingsResponseDto })
  settings!: ChannelSettingsResponseDto;
  @ApiProperty({ description: 'Clients connected now.', example: 0 })
  connections!: number;
  @ApiProperty({ description: 'Sequence of the last broadcast, 0 before any.', example: 0 })
  last_seq!: number;
}

export function toChannelResponse(
  entity: ChannelEntity,
  connections: number,
  lastSeq: number,
): ChannelResponseDto {
  return {
    id: entity.id,
    name: entity.name,
    description: entity.description,
    status: entity.status,
    created_at: entity.createdAt,
    updated_at: entity.updatedAt,
    settings: {
      max_connections: entity.maxConnections,
      allow_client_messages: entity.allowClientMessages,
      persist_messages: entity.persistMessages,
      rate_limit_per_minute: entity.rateLimitPerMinute,
    },
    connections,
    last_seq: lastSeq,
  };
}
