import { HubError, HubErrorCode } from '../channels/channel.errors';
import type { DenialReason } from '../metrics/metrics.service';

/** The metrics reason of a refused WebSocket connection, from what `admit` or parsing threw. */
export function denialReason(err: unknown): DenialReason {
  if (err instanceof HubError) {
    switch (err.code) {
      case HubErrorCode.CHANNEL_NOT_FOUND:
        return 'not_found';
      case HubErrorCode.CHANNEL_NOT_ACTIVE:
        return 'not_active';
      case HubErrorCode.CHANNEL_FULL:
        return 'full';
    }
  }
  // A malformed request (`?since=`, INVALID_REQUEST), or anything else admission refused.
  return 'invalid_request';
}
