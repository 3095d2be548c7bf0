import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessageEntity } from './message.entity';
import { MessageStore } from './message-store';
import { RetentionService } from './retention.service';

@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity])],
  providers: [MessageStore, RetentionService],
  exports: [MessageStore],
})
export class HistoryModule {}
