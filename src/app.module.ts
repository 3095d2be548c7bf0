import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AppController } from './app.controller';
import { BroadcastModule } from './broadcast/broadcast.module';
import { ChannelsModule } from './channels/channels.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createRequestLogger, LogLevelSync, REQUEST_LOGGER } from './common/request-logger';
import { HubConfig } from './config/config.schema';
import { ConfigSources } from './config/config.loader';
import { HubConfigModule } from './config/hub-config.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { HistoryModule } from './history/history.module';
import { MetricsModule } from './metrics/metrics.module';
import { AdminModule } from './persistence/admin.module';
import { PersistenceModule } from './persistence/persistence.module';
import { ApiKeyGuard } from './security/api-key.guard';
import { ShutdownService } from './shutdown.service';

@Module({})
export class AppModule {
  /**
   * The whole service, on a configuration already loaded and validated. `sources` (where it was
   * loaded from) enable hot reload; without them the configuration is fixed.
   */
  static forRoot(config: HubConfig, sources: ConfigSources | null = null): DynamicModule {
    const requestLogger = createRequestLogger(config);
    return {
      module: AppModule,
      imports: [
        HubConfigModule.forRoot(config, sources),
        // The application's log lines; request lines come from the same root logger (configureApp).
        LoggerModule.forRoot({ pinoHttp: { logger: requestLogger.logger }, forRoutes: [] }),
        PersistenceModule,
        BroadcastModule,
        ChannelsModule,
        GatewayModule,
        HealthModule,
        HistoryModule,
        AdminModule,
        MetricsModule,
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
        { provide: REQUEST_LOGGER, useValue: requestLogger },
        LogLevelSync,
        ShutdownService,
      ],
    };
  }
}
