import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { BackupService } from './backup.service';

/** Operations: `POST /api/v1/admin/backup` and automatic backups. */
@Module({
  controllers: [AdminController],
  providers: [BackupService],
  exports: [BackupService],
})
export class AdminModule {}
