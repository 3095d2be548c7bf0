import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { IS_PUBLIC } from './public.decorator';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * With `EMIT_HUB_API_KEY` set, every route not marked `@Public()` needs
 * `Authorization: Bearer <key>`. Both sides are hashed to the same length and compared in
 * constant time, so the answer's timing tells nothing about the key.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @InjectHubConfig() private readonly config: HubConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.config.api_key;
    if (!key || context.getType() !== 'http') return true;
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1].trim()), digest(key))) return true;
    throw new UnauthorizedException(
      match
        ? 'Invalid API key'
        : 'Missing API key: send the header "Authorization: Bearer <EMIT_HUB_API_KEY>"',
    );
  }
}
