import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody } from './error-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Deeper bodies are refused: validation walks them recursively. */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value, without recursion. */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d]);
  }
  return max;
}

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
      if (!err) {
        if (depthOf(req.body) > MAX_JSON_DEPTH) {
          res
            .status(400)
            .json(errorBody(400, `Body is nested deeper than ${MAX_JSON_DEPTH} levels`));
          return;
        }
        return next();
      }
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
