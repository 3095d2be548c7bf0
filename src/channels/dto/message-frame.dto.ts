import { ApiProperty } from '@nestjs/swagger';

/** A broadcast as clients receive it over the WebSocket, and as the history API returns it. */
export class BroadcastFrameDto {
  @ApiProperty({ example: 'broadcast' })
  status!: string;
  @ApiProperty({ example: 'A004' })
  message!: string;
  @ApiProperty({ format: 'uuid', example: '550e8400-e29b-41d4-a716-446655440000' })
  channel_id!: string;
  @ApiProperty({ format: 'date-time', example: '2024-06-01T10:40:00.000Z' })
  timestamp!: string;
  @ApiProperty({
    description: "The broadcast's `data`, any JSON value, or null.",
    nullable: true,
    example: null,
    type: Object,
  })
  data!: unknown;
  @ApiProperty({ example: 4 })
  seq!: number;
  @ApiProperty({ format: 'uuid', example: '0b8f6a3e-2f0c-4a57-9d1e-6c1f1f0e9a11' })
  id!: string;
}
