import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { Public } from '../security/public.decorator';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { BroadcastHealthIndicator } from '../broadcast/broadcast.health';
import { SERVICE_NAME, VERSION } from '../version';
import { MemoryHealthIndicator } from './memory.health';
import { ReadinessState } from './readiness.state';

class LivenessDto {
  @ApiProperty({ example: 'healthy' }) status!: string;
  @ApiProperty({ example: 'emit-hub' }) service!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ format: 'date-time', example: '2024-06-01T10:30:00.000Z' }) timestamp!: string;
}

class ReadinessChecksDto {
  @ApiProperty({ example: 'ok' }) database!: string;
  @ApiProperty({ example: 'ok' }) memory!: string;
  @ApiProperty({ example: 'ok' }) broadcast!: string;
}

class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'], example: 'ready' }) status!: string;
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
}

/** Liveness checks nothing external; readiness pings the database and checks memory. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly db: TypeOrmHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly broadcast: BroadcastHealthIndicator,
    private readonly readiness: ReadinessState,
  ) {}

  @Get(['health', 'api/v1/health'])
  @ApiOperation({ operationId: 'health', summary: 'Liveness: the process is up' })
  @ApiResponse({ status: 200, type: LivenessDto })
  live(): LivenessDto {
    return {
      status: 'healthy',
      service: SERVICE_NAME,
      version: VERSION,
      timestamp: new Date().toISOString(),
    };
  }

  @Get(['ready', 'api/v1/ready'])
  @ApiOperation({
    operationId: 'ready',
    summary: 'Readiness: database reachable, memory below its limit',
  })
  @ApiResponse({ status: 200, type: ReadinessDto })
  @ApiResponse({
    status: 503,
    type: ReadinessDto,
    description: 'A check failed, or the server is shutting down.',
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessDto> {
    const results: Record<string, string> = {
      database: 'failing',
      memory: 'failing',
      broadcast: 'failing',
    };
    const run = async (
      key: string,
      check: () => Promise<HealthIndicatorResult> | HealthIndicatorResult,
    ) => {
      try {
        const result = await check();
        results[key] = result[key]?.status === 'up' ? 'ok' : 'failing';
      } catch {
        results[key] = 'failing';
      }
    };
    await Promise.all([
      run('database', () => this.db.pingCheck('database', { timeout: 2000 })),
      run('memory', () => this.memory.check('memory')),
      run('broadcast', () => this.broadcast.check('broadcast')),
    ]);
    if (this.readiness.shuttingDown) results.server = 'shutting_down';
    const ok = Object.values(results).every((v) => v === 'ok');
    if (!ok) res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ready' : 'not_ready', checks: results as unknown as ReadinessChecksDto };
  }
}
