import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from './security/public.decorator';
import { SERVICE_NAME, VERSION } from './version';

const DESCRIPTION = 'Real-time broadcasting: isolated channels, REST control, WebSocket fan-out.';
const LINKS = {
  docs: '/docs',
  openapi: '/docs-json',
  health: '/health',
  ready: '/ready',
  channels: '/api/v1/channels',
  websocket: '/api/v1/channels/{channel_id}/ws',
};

class ServiceInfoDto {
  @ApiProperty({ example: 'EmitHub' }) name!: string;
  @ApiProperty({ example: 'emit-hub' }) service!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: DESCRIPTION }) description!: string;
  @ApiProperty({ example: LINKS }) links!: Record<string, string>;
}

@ApiTags('info')
@Public()
@Controller()
export class AppController {
  @Get()
  @ApiOperation({ operationId: 'serviceInfo', summary: 'Service name, version and links' })
  @ApiResponse({ status: 200, type: ServiceInfoDto })
  info(): ServiceInfoDto {
    return {
      name: 'EmitHub',
      service: SERVICE_NAME,
      version: VERSION,
      description: DESCRIPTION,
      links: LINKS,
    };
  }
}
