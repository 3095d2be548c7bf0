import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { MetricsService } from './metrics.service';

const STARTED = Symbol('emithub.requestStarted');

type TimedResponse = ServerResponse & { [STARTED]?: number };
/** Express sets `req.route` on the request once a route matches; it is still there at the end. */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown } };

/**
 * Times every HTTP request into `emithub_http_request_duration_seconds`. It listens on the HTTP
 * server itself, ahead of Express, so answers given before any handler runs (body parsing's
 * 400/413/415, guards' 401 and 429, 404 for unknown paths) are counted too. The route label is
 * the matched route's template, read when the response has finished; `unmatched` otherwise.
 * Per request: one timestamp and one listener, shared by every response.
 */
@Injectable()
export class HttpMetricsListener implements OnModuleInit, OnApplicationShutdown {
  private server: Server | null = null;
  private readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    metrics: MetricsService,
  ) {
    function onFinish(this: TimedResponse): void {
      const req = this.req as RoutedRequest;
      const path = req.route?.path;
      metrics.httpRequest(
        req.method ?? 'UNKNOWN',
        typeof path === 'string' ? path : 'unmatched',
        this.statusCode,
        (performance.now() - (this[STARTED] ?? 0)) / 1000,
      );
    }
    this.onRequest = (_req, res) => {
      (res as TimedResponse)[STARTED] = performance.now();
      res.on('finish', onFinish);
    };
  }

  onModuleInit(): void {
    // Absent in an application context without HTTP.
    this.server = (this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined) ?? null;
    this.server?.prependListener('request', this.onRequest);
  }

  onApplicationShutdown(): void {
    this.server?.removeListener('request', this.onRequest);
    this.server = null;
  }
}
