import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const HISTORY_LIMIT_MAX = 1000;

export class HistoryQuery {
  @ApiPropertyOptional({
    description: 'Only messages with a greater seq.',
    minimum: 0,
    default: 0,
    example: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after_seq: number = 0;

  @ApiPropertyOptional({
    description: 'How many, at most.',
    minimum: 1,
    maximum: HISTORY_LIMIT_MAX,
    default: 100,
    example: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_LIMIT_MAX)
  limit: number = 100;
}
