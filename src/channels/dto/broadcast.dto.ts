import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsOptional, IsString } from 'class-validator';

export class BroadcastDto {
  @ApiProperty({ description: "Text delivered as the frame's `message`.", example: 'A004' })
  @IsString()
  content!: string;

  @ApiPropertyOptional({ enum: ['Broadcast'], default: 'Broadcast', example: 'Broadcast' })
  @IsOptional()
  @IsIn(['Broadcast'])
  message_type?: 'Broadcast';

  @ApiPropertyOptional({
    description: "Any JSON value, delivered as the frame's `data` without re-encoding.",
    example: { room: 'Consultorio 3' },
  })
  @IsOptional()
  @Allow()
  data?: unknown;
}

export class BroadcastResultDto {
  @ApiProperty({ format: 'uuid', example: '0b8f6a3e-2f0c-4a57-9d1e-6c1f1f0e9a11' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '550e8400-e29b-41d4-a716-446655440000' })
  channel_id!: string;

  @ApiProperty({ description: 'Per-channel sequence number, from 1, never reused.', example: 4 })
  seq!: number;

  @ApiProperty({ description: 'Clients the frame was handed to.', example: 12 })
  recipients!: number;

  @ApiProperty({ description: 'True when the message is stored on disk.', example: false })
  persisted!: boolean;

  @ApiProperty({ format: 'date-time', example: '2024-06-01T10:40:00.000Z' })
  timestamp!: string;
}
