import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppController } from './app.controller';
import { BroadcastModule } from './broadcast/broadcast.module';
import { ChannelsModule } from './channels/channels.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { HubConfig } from './config/config.schema';
import { HUB_CONFIG, hubConfigNamespace } from './config/hub.config';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { HistoryModule } from './history/history.module';
import { AdminModule } from './persistence/admin.module';
import { PersistenceModule } from './persistence/persistence.module';
import { ApiKeyGuard } from './security/api-key.guard';
import { ShutdownService } from './shutdown.service';

const QUIET_PATHS = /^\/(?:api\/v1\/)?(?:health|ready)(?:\?|$)/;

@Module({})
export class AppModule {
  /** The whole service, on a configuration already loaded and validated. */
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [hubConfigNamespace(config)],
        }),
        LoggerModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (cfg: HubConfig) => ({
            pinoHttp: {
              level: cfg.log_level,
              genReqId: (req: IncomingMessage) =>
                (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
              autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
              redact: ['req.headers.authorization', 'req.headers.cookie'],
            },
          }),
        }),
        PersistenceModule,
        BroadcastModule,
        ChannelsModule,
        GatewayModule,
        HealthModule,
        HistoryModule,
        AdminModule,
      ],
      controllers: [AppController],
      providers: [
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
          }),
        },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        ShutdownService,
      ],
    };
  }
}
