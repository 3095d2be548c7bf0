import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error answer: no stack traces, no file paths. */
export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict' })
  error!: string;

  @ApiProperty({ example: 'Cannot pause channel Sistema de Turnos: its status is Created' })
  message!: string;

  @ApiPropertyOptional({
    example: 'INVALID_TRANSITION',
    description: 'Machine-readable reason, when there is one.',
  })
  code?: string;

  @ApiPropertyOptional({
    example: '6f1c2d9e-54a1-4c1b-9a55-1f3f0c2b7a10',
    description:
      'Present on 5xx: quote it when reporting the problem; the log line has the same id.',
  })
  errorId?: string;
}
