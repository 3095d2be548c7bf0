import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody } from './error-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * Parses JSON bodies up to `limit()` bytes and answers bad bodies itself, in the error shape:
 * a body of another content type is a 415, one over the limit a 413, broken JSON a 400.
 * Requests without a body (`PUT /start`) pass untouched.
 */
export function jsonBody(limit: () => number): RequestHandler {
  let current = limit();
  let parser = json({ limit: current, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 ||
      req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      res
        .status(415)
        .json(
          errorBody(415, 'Send the body as JSON with the header "Content-Type: application/json"'),
        );
      return;
    }
    if (limit() !== current) {
      current = limit();
      parser = json({ limit: current, strict: true });
    }
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as BodyParserError;
      if (e.type === 'entity.too.large') {
        res
          .status(413)
          .json(
            errorBody(
              413,
              `Body is larger than the limit of ${current} bytes (EMIT_HUB_MESSAGE_SIZE_LIMIT)`,
            ),
          );
      } else if (e.type === 'entity.parse.failed') {
        res
          .status(400)
          .json(errorBody(400, 'Body is not valid JSON (an object or array is expected)'));
      } else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
        res.status(415).json(errorBody(415, 'Send the body as UTF-8 JSON'));
      } else {
        res.status(400).json(errorBody(400, 'The request body could not be read'));
      }
    });
  };
}
