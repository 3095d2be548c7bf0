import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { VERSION } from './version';

export const API_KEY_SCHEME = 'api-key';

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
    .addServer('/', 'This server')
    .addTag('channels', 'Channel management, lifecycle and broadcast')
    .addTag('health', 'Liveness and readiness probes')
    .addTag('info', 'Service information')
    .addTag('admin', 'Operations: backups')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'The value of EMIT_HUB_API_KEY. Required only when the server sets one.',
      },
      API_KEY_SCHEME,
    )
    .build();
  return finishDocument(SwaggerModule.createDocument(app, config));
}

/**
 * Operations served on two paths (`/health` and `/api/v1/health`) get distinct operationIds, and
 * operations that declare no security are marked open (`security: []`).
 */
function finishDocument(doc: OpenAPIObject): OpenAPIObject {
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const op of Object.values(item as Record<string, OperationObject>)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      if (op.operationId && seen.has(op.operationId)) {
        op.operationId += path.startsWith('/api/v1/') ? 'V1' : 'Root';
      }
      if (op.operationId) seen.add(op.operationId);
      op.security ??= [];
    }
  }
  return doc;
}

/** Swagger UI at `/docs`, the OpenAPI JSON at `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'EmitHub API',
  });
}
