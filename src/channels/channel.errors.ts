import { HttpStatus } from '@nestjs/common';

/** Every way a channel operation can be refused. Services throw these, never HttpException. */
export enum HubErrorCode {
  CHANNEL_NOT_FOUND = 'CHANNEL_NOT_FOUND',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  CHANNEL_NOT_ACTIVE = 'CHANNEL_NOT_ACTIVE',
  CHANNEL_FULL = 'CHANNEL_FULL',
  CLIENT_MESSAGES_DISABLED = 'CLIENT_MESSAGES_DISABLED',
  RATE_LIMITED = 'RATE_LIMITED',
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  INVALID_REQUEST = 'INVALID_REQUEST',
}

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
    /** Seconds until a retry can succeed (rate limits). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** How each code answers over HTTP. Exhaustive: a new code does not compile until it is mapped. */
export const HTTP_STATUS_OF: Record<HubErrorCode, HttpStatus> = {
  [HubErrorCode.CHANNEL_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [HubErrorCode.INVALID_TRANSITION]: HttpStatus.CONFLICT,
  [HubErrorCode.CHANNEL_NOT_ACTIVE]: HttpStatus.CONFLICT,
  [HubErrorCode.CHANNEL_FULL]: HttpStatus.CONFLICT,
  [HubErrorCode.CLIENT_MESSAGES_DISABLED]: HttpStatus.FORBIDDEN,
  [HubErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [HubErrorCode.SHUTTING_DOWN]: HttpStatus.SERVICE_UNAVAILABLE,
  [HubErrorCode.INVALID_REQUEST]: HttpStatus.BAD_REQUEST,
};
