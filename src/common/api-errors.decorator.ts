import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (body, query or id).',
  401: 'Missing or wrong API key.',
  404: 'No channel with that id.',
  409: "Not possible in the channel's current status.",
  413: 'Body larger than EMIT_HUB_MESSAGE_SIZE_LIMIT.',
  415: 'Body is not sent as application/json.',
  429: "Over the channel's rate_limit_per_minute; see Retry-After.",
  503: 'Not ready.',
};

/** Documents the error answers of an operation, all with the one error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, type: ErrorResponseDto, description: DESCRIPTIONS[status] }),
    ),
  );
}
