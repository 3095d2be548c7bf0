import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ConfigReloader } from './config-reloader.service';
import { ConfigSources } from './config.loader';
import { HubConfig } from './config.schema';
import { HUB_CONFIG, hubConfigNamespace } from './hub.config';

/**
 * The validated configuration (`@InjectHubConfig()`) and its hot reload, for every module, like
 * `@nestjs/config`'s own global ConfigModule that it wraps.
 */
@Module({})
export class HubConfigModule {
  static forRoot(config: HubConfig, sources: ConfigSources | null): DynamicModule {
    return {
      module: HubConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [hubConfigNamespace(config)],
        }),
      ],
      providers: [
        {
          provide: ConfigReloader,
          inject: [HUB_CONFIG],
          useFactory: (live: HubConfig) => new ConfigReloader(live, sources),
        },
      ],
      exports: [ConfigReloader],
    };
  }
}
