import {
  ConflictException,
  Controller,
  HttpCode,
  HttpStatus,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { API_KEY_SCHEME } from '../openapi';
import { BackupResponseDto } from './backup-response.dto';
import { BackupCancelledError, BackupService, BackupUnsupportedError } from './backup.service';

@ApiTags('admin')
@ApiBearerAuth(API_KEY_SCHEME)
@Controller('api/v1/admin')
export class AdminController {
  constructor(private readonly backups: BackupService) {}

  @Post('backup')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'createBackup',
    summary: 'Write a consistent copy of the SQLite database to backups/ beside it',
    description:
      'Online: broadcasting goes on during the copy. Requests are served one at a time. ' +
      'Only the newest persistence.backup_keep backups are kept.',
  })
  @ApiResponse({ status: 200, type: BackupResponseDto, description: 'The backup written.' })
  @ApiErrors(401)
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'The database is PostgreSQL: back it up with pg_dump.',
  })
  @ApiResponse({
    status: 503,
    type: ErrorResponseDto,
    description: 'The service is shutting down; no backup was kept.',
  })
  async backup(): Promise<BackupResponseDto> {
    try {
      return await this.backups.backup('api');
    } catch (err) {
      if (err instanceof BackupUnsupportedError) throw new ConflictException(err.message);
      if (err instanceof BackupCancelledError) throw new ServiceUnavailableException(err.message);
      throw err;
    }
  }
}
