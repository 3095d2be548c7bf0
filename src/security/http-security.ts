import { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { HubConfig } from '../config/config.schema';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a browser origin is allowed by `cors.allowed_origins`: `*` allows any; an entry
 * matches exactly; a localhost entry without a port (`http://localhost`) allows every port.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return allowed.some((entry) => {
    try {
      const e = new URL(entry);
      return (
        !e.port &&
        LOCAL_HOSTS.has(e.hostname) &&
        e.protocol === url.protocol &&
        e.hostname === url.hostname
      );
    } catch {
      return false;
    }
  });
}

/**
 * Security headers (helmet, with a content security policy that Swagger UI works under) and
 * CORS from the `[cors]` settings, read on every request so a reload applies at once.
 */
export function applyHttpSecurity(app: INestApplication, config: HubConfig): void {
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.enableCors(
    (
      req: { header(name: string): string | undefined },
      callback: (err: Error | null, options: object) => void,
    ) => {
      const origin = req.header('origin');
      const { cors } = config;
      callback(null, {
        origin:
          origin !== undefined && originAllowed(origin, cors.allowed_origins) ? origin : false,
        methods: cors.allowed_methods,
        allowedHeaders: cors.allowed_headers,
        maxAge: cors.max_age,
      });
    },
  );
}
