import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { API_KEY_SCHEME } from '../openapi';
import { ChannelThrottlerGuard } from './channel-throttler.guard';
import { ChannelsService } from './channels.service';
import { BroadcastDto, BroadcastResultDto } from './dto/broadcast.dto';
import { ChannelResponseDto } from './dto/channel-response.dto';
import { CreateChannelDto } from './dto/create-channel.dto';
import { HistoryQuery } from './dto/history.query';
import { ListChannelsQuery } from './dto/list-channels.query';
import { BroadcastFrameDto } from './dto/message-frame.dto';
import { UpdateChannelDto } from './dto/update-channel.dto';

const ChannelId = () => Param('id', new ParseUUIDPipe());
const ApiChannelId = () =>
  ApiParam({ name: 'id', format: 'uuid', example: '550e8400-e29b-41d4-a716-446655440000' });

@ApiTags('channels')
@ApiBearerAuth(API_KEY_SCHEME)
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Post()
  @ApiOperation({ operationId: 'createChannel', summary: 'Create a channel (status Created)' })
  @ApiBody({
    type: CreateChannelDto,
    examples: {
      clinic: {
        summary: 'Clinic turn system',
        value: {
          name: 'Sistema de Turnos',
          description: 'Canal para llamar turnos en clínica',
          settings: {
            max_connections: 100,
            allow_client_messages: true,
            persist_messages: false,
            rate_limit_per_minute: 30,
          },
        },
      },
    },
  })
  @ApiResponse({ status: 201, type: ChannelResponseDto, description: 'The new channel.' })
  @ApiErrors(400, 413, 415)
  create(@Body() dto: CreateChannelDto): Promise<ChannelResponseDto> {
    return this.channels.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listChannels', summary: 'List channels, newest first' })
  @ApiResponse({ status: 200, type: [ChannelResponseDto] })
  @ApiErrors(400)
  list(@Query() query: ListChannelsQuery): ChannelResponseDto[] {
    return this.channels.list(query.status);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getChannel', summary: 'Get a channel' })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: ChannelResponseDto })
  @ApiErrors(400, 404)
  get(@ChannelId() id: string): ChannelResponseDto {
    return this.channels.get(id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateChannel', summary: 'Change name, description or settings' })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: ChannelResponseDto })
  @ApiErrors(400, 404, 413, 415)
  update(@ChannelId() id: string, @Body() dto: UpdateChannelDto): Promise<ChannelResponseDto> {
    return this.channels.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteChannel',
    summary: 'Disconnect its clients and delete the channel',
  })
  @ApiChannelId()
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiErrors(400, 404)
  remove(@ChannelId() id: string): Promise<void> {
    return this.channels.remove(id);
  }

  @Put(':id/start')
  @ApiOperation({ operationId: 'startChannel', summary: 'Start (or resume) emission' })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: ChannelResponseDto })
  @ApiErrors(400, 404)
  start(@ChannelId() id: string): Promise<ChannelResponseDto> {
    return this.channels.transition(id, 'start');
  }

  @Put(':id/pause')
  @ApiOperation({ operationId: 'pauseChannel', summary: 'Pause emission; clients stay connected' })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: ChannelResponseDto })
  @ApiErrors(400, 404, 409)
  pause(@ChannelId() id: string): Promise<ChannelResponseDto> {
    return this.channels.transition(id, 'pause');
  }

  @Put(':id/stop')
  @ApiOperation({
    operationId: 'stopChannel',
    summary: 'Stop emission and disconnect every client',
  })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: ChannelResponseDto })
  @ApiErrors(400, 404)
  stop(@ChannelId() id: string): Promise<ChannelResponseDto> {
    return this.channels.transition(id, 'stop');
  }

  @Post(':id/broadcast')
  @UseGuards(ChannelThrottlerGuard)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'broadcast', summary: 'Send a message to every connected client' })
  @ApiChannelId()
  @ApiBody({
    type: BroadcastDto,
    examples: {
      turn: { summary: 'Call turn A004', value: { content: 'A004', message_type: 'Broadcast' } },
      structured: {
        summary: 'With structured data',
        value: { content: 'A004', data: { room: 'Consultorio 3' } },
      },
    },
  })
  @ApiResponse({ status: 200, type: BroadcastResultDto })
  @ApiErrors(400, 404, 409, 413, 415, 429)
  broadcast(@ChannelId() id: string, @Body() dto: BroadcastDto): Promise<BroadcastResultDto> {
    return this.channels.broadcastMessage(id, dto);
  }

  @Get(':id/messages')
  @ApiOperation({
    operationId: 'listMessages',
    summary: 'Stored broadcasts after a seq, in order',
    description: 'Only channels with `persist_messages` store broadcasts; pruned ones are gone.',
  })
  @ApiChannelId()
  @ApiResponse({ status: 200, type: [BroadcastFrameDto] })
  @ApiErrors(400, 404)
  messages(@ChannelId() id: string, @Query() query: HistoryQuery): Promise<BroadcastFrameDto[]> {
    return this.channels.history(id, query.after_seq, query.limit) as Promise<BroadcastFrameDto[]>;
  }
}
