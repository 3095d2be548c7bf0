import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { jsonBody } from './common/json-body.middleware';
import { REQUEST_LOGGER, type RequestLogger } from './common/request-logger';
import { HubConfig } from './config/config.schema';
import { HUB_CONFIG } from './config/hub.config';
import { ChannelWsAdapter } from './gateway/channel-ws.adapter';
import { ReadinessState } from './health/readiness.state';
import { setupOpenApi } from './openapi';
import { applyHttpSecurity } from './security/http-security';

/**
 * Everything `main.ts` and the e2e tests both need before `listen`. Signals are `main.ts`'s
 * business: it runs `app.close()` on SIGTERM, which drains as ShutdownService describes.
 */
export function configureApp(app: INestApplication): INestApplication {
  const config = app.get<HubConfig>(HUB_CONFIG);
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.use(app.get<RequestLogger>(REQUEST_LOGGER));
  express.disable('x-powered-by');
  // JSON answers to API calls: an ETag (a hash of every body) buys nothing here.
  express.set('etag', false);
  applyHttpSecurity(app, config);
  express.use(jsonBody(() => config.message_size_limit));
  const readiness = app.get(ReadinessState);
  app.useWebSocketAdapter(
    new ChannelWsAdapter(app, {
      maxPayload: () => Math.min(config.message_size_limit, config.websocket.max_continuation_size),
      refuseUpgrades: () => readiness.shuttingDown,
    }),
  );
  setupOpenApi(app);
  return app;
}
