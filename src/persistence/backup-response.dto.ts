import { ApiProperty } from '@nestjs/swagger';

/** A backup just written. */
export class BackupResponseDto {
  @ApiProperty({
    description: 'Absolute path of the backup file, in backups/ beside the database file.',
    example: '/var/lib/emit-hub/backups/emit_hub-20261127T215700Z.db',
  })
  path!: string;

  @ApiProperty({ description: 'Size of the backup file in bytes.', example: 1531904 })
  size_bytes!: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-27T21:57:00.412Z' })
  created_at!: string;
}
