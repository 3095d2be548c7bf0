import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_CONNECTIONS_LIMIT = 1_000_000;
export const RATE_LIMIT_MAX = 1_000_000;

/** Channel settings as sent by clients; omitted fields take the server defaults. */
export class ChannelSettingsDto {
  @ApiPropertyOptional({
    description: 'Max clients connected at once (default: EMIT_HUB_MAX_CONNECTIONS).',
    minimum: 1,
    maximum: MAX_CONNECTIONS_LIMIT,
    example: 100,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONNECTIONS_LIMIT)
  max_connections?: number;

  @ApiPropertyOptional({
    description: 'Whether clients may send messages to the channel (default false).',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  allow_client_messages?: boolean;

  @ApiPropertyOptional({
    description: 'Whether broadcasts are stored (default: EMIT_HUB_PERSIST_MESSAGES).',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  persist_messages?: boolean;

  @ApiPropertyOptional({
    description: 'Broadcasts and client messages per minute; 0 means unlimited (default 60).',
    minimum: 0,
    maximum: RATE_LIMIT_MAX,
    example: 30,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(RATE_LIMIT_MAX)
  rate_limit_per_minute?: number;
}
