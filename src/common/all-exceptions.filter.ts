import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { HTTP_STATUS_OF, HubError } from '../channels/channel.errors';
import { errorBody } from './error-body';

/**
 * The one HTTP error filter: domain errors by their code, Nest's HTTP exceptions as they are,
 * anything else as a 500 with an `errorId` that is also in the log line.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;

    if (exception instanceof HubError) {
      const status = HTTP_STATUS_OF[exception.code];
      if (exception.retryAfter !== undefined)
        res.setHeader('Retry-After', String(exception.retryAfter));
      res.status(status).json(errorBody(status, exception.message, { code: exception.code }));
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw =
        typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = Array.isArray(raw)
        ? raw.join('; ')
        : typeof raw === 'string'
          ? raw
          : exception.message;
      res.status(status).json(errorBody(status, message));
      return;
    }
    if (isClientHttpError(exception)) {
      // Errors of Express middleware (http-errors): 4xx with a message meant for the client.
      res.status(exception.status).json(errorBody(exception.status, exception.message));
      return;
    }
    const errorId = randomUUID();
    const reqId = host.switchToHttp().getRequest<{ id?: unknown }>().id;
    this.logger.error({ err: exception, errorId, reqId }, 'unhandled error');
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json(
      errorBody(500, 'Internal error; the server log has the details under this errorId', {
        errorId,
      }),
    );
  }
}

function isClientHttpError(err: unknown): err is { status: number; message: string } {
  const e = err as { status?: unknown; expose?: unknown; message?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.expose === true &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500 &&
    typeof e.message === 'string'
  );
}
