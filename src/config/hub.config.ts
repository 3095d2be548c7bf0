import { Inject } from '@nestjs/common';
import { getConfigToken, registerAs } from '@nestjs/config';
import { HubConfig } from './config.schema';

/** Injection token of the validated configuration (`ConfigModule` namespace `hub`). */
export const HUB_CONFIG = getConfigToken('hub');

/** `@InjectHubConfig() private readonly config: HubConfig` */
export const InjectHubConfig = (): ParameterDecorator => Inject(HUB_CONFIG);

/** The `hub` namespace for `ConfigModule.forRoot({ load })`, from an already validated config. */
export const hubConfigNamespace = (config: HubConfig) => registerAs('hub', () => config);
