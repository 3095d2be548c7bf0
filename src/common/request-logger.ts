import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { RequestHandler } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { ConfigReloader } from '../config/config-reloader.service';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';

/** Probes and metric scrapes come every few seconds: their successful answers are not logged. */
const QUIET_PATHS = /^\/(?:(?:api\/v1\/)?(?:health|ready)|metrics)(?:\?|$)/;

export type RequestLogger = RequestHandler & { logger: Logger };

/** Injection token of the request-logging middleware. */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

/**
 * One JSON line per request with its id (`X-Request-Id` when the caller sends one), method, URL,
 * status and time. Applied as plain Express middleware rather than through nestjs-pino's
 * request-scoped context: that context runs every request in an AsyncLocalStorage, which on
 * Node 20 taxes every promise of the process (measured: about 30% of the publish path's CPU).
 * Its `logger` is the root logger nestjs-pino writes the application's lines to.
 */
export function createRequestLogger(config: HubConfig): RequestLogger {
  return pinoHttp({
    level: config.log_level,
    genReqId: (req: IncomingMessage) =>
      (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
    // What an operator needs, not every header (pino serializes a request's bindings on every
    // request, whatever the level).
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Applies a reloaded `log_level` to the request lines and the application's lines at once. */
@Injectable()
export class LogLevelSync implements OnModuleInit {
  constructor(
    @Inject(REQUEST_LOGGER) private readonly requestLogger: RequestLogger,
    @InjectHubConfig() private readonly config: HubConfig,
    private readonly reloader: ConfigReloader,
  ) {}

  onModuleInit(): void {
    this.reloader.onChange((keys) => {
      if (!keys.includes('log_level')) return;
      this.requestLogger.logger.level = this.config.log_level;
      if (PinoLogger.root) PinoLogger.root.level = this.config.log_level;
    });
  }
}
