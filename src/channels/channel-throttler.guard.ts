import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { MetricsService } from '../metrics/metrics.service';
import { ChannelsService, RATE_WINDOW_MS } from './channels.service';

/**
 * `@nestjs/throttler`'s guard and storage, with the limit taken from the channel's own
 * `rate_limit_per_minute` (0: unlimited) and the budget counted per channel, not per caller.
 * Over the limit: 429 with `Retry-After`.
 */
@Injectable()
export class ChannelThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly channels: ChannelsService,
    private readonly metrics: MetricsService,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { req } = this.getRequestResponse(props.context);
    const limit = this.channels.rateLimitOf((req as Request<{ id: string }>).params.id);
    // Unknown channel: let the handler answer 404. Zero: unlimited.
    if (!limit) return true;
    return super.handleRequest({ ...props, limit, ttl: RATE_WINDOW_MS, blockDuration: 0 });
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`channel:${(req as unknown as Request<{ id: string }>).params.id}`);
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    this.metrics.rateLimited('broadcast');
    return super.throwThrottlingException(context, detail);
  }

  protected override getErrorMessage(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<string> {
    const retry = Math.max(1, detail.timeToExpire);
    return Promise.resolve(
      `Rate limit of ${detail.limit} broadcasts per minute reached for this channel; retry in ${retry} s`,
    );
  }
}
