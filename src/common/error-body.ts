import { STATUS_CODES } from 'node:http';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  errorId?: string;
}

export function errorBody(
  statusCode: number,
  message: string,
  extra: Pick<ErrorBody, 'code' | 'errorId'> = {},
): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...extra };
}
