import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { VERSION } from './version';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('EmitHub')
    .setDescription(
      'Real-time broadcasting service. Create a channel, start it, connect WebSocket clients to ' +
        '`ws://HOST:PORT/api/v1/channels/{id}/ws`, and broadcast: every connected client receives ' +
        '`{"status":"broadcast","message":…,"channel_id":…,"timestamp":…,"data":…,"seq":…,"id":…}`.',
    )
    .setVersion(VERSION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('http://localhost:8080', 'Local default')
    .addTag('channels', 'Channel management, lifecycle and broadcast')
    .addTag('health', 'Liveness and readiness probes')
    .addTag('info', 'Service information')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at `/docs`, the OpenAPI JSON at `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'EmitHub API',
  });
}
