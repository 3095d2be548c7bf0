#!/usr/bin/env node
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { ConfigError, ConfigSources, loadConfig } from './config/config.loader';
import { ConfigReloader } from './config/config-reloader.service';
import { exitWith, runCli } from './config/cli';
import { configureApp } from './configure-app';
import { describeDatabase } from './persistence/persistence.module';
import { VERSION } from './version';

async function bootstrap(): Promise<void> {
  // --help, --version, --show-env-vars, --generate-config print and exit; bad options exit 2.
  const cli = runCli(process.argv.slice(2), process.env, process.cwd());
  if (cli) return exitWith(cli);

  const sources: ConfigSources = {
    env: process.env,
    argv: process.argv.slice(2),
    cwd: process.cwd(),
  };
  let loaded;
  try {
    loaded = loadConfig(sources);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `${err.message}\n\nEmitHub did not start. Fix the values above (env vars or the TOML file) and start it again.\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  const { config, file } = loaded;

  const app = await NestFactory.create(AppModule.forRoot(config, sources), {
    bufferLogs: true,
    // JSON bodies are parsed by jsonBody() in configureApp, with EmitHub's limits and errors.
    bodyParser: false,
  });
  configureApp(app);
  await app.listen(config.port, config.host);

  const logger = new Logger('EmitHub');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  logger.log(`🚀 EmitHub - Real-time Broadcasting Service, version ${VERSION}`);
  logger.log(
    { host: config.host, port: address.port },
    `📡 Starting EmitHub on ${config.host}:${address.port}`,
  );
  logger.log({ db: describeDatabase(config) }, `💾 Database: ${describeDatabase(config)}`);
  logger.log(`🔌 Max connections per channel: ${config.max_connections_per_channel}`);
  if (file) logger.log(`⚙️  Configuration file: ${file}`);
  logger.log(
    `📖 API docs: http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${address.port}/docs`,
  );
  if (!config.api_key && !isLoopback(config.host)) {
    logger.warn(
      `⚠️  Listening on ${config.host} without an API key: anyone who can reach this port can manage channels. Set EMIT_HUB_API_KEY.`,
    );
  }
  logger.log('✅ Application state initialized successfully');

  // SIGTERM (Kubernetes, Docker) and Ctrl-C: drain, then exit 0; give up after 10 s.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, `Received ${signal}: shutting down`);
    setTimeout(() => {
      logger.error('Shutdown took longer than 10 s: exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // SIGHUP: re-read the configuration file and env, as when the file changes.
  process.on('SIGHUP', () => app.get(ConfigReloader).reload('SIGHUP'));
}

const SHUTDOWN_DEADLINE_MS = 10_000;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

void bootstrap();
