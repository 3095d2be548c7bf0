/**
 * Server-to-client frames. Every frame has the product's shape
 * `{status, message, channel_id, timestamp, data}`; broadcast frames add `seq` and `id`.
 */

export type FrameStatus =
  | 'connected'
  | 'denied'
  | 'broadcast'
  | 'client_message'
  | 'paused'
  | 'resumed'
  | 'stopped'
  | 'error';

export interface Frame {
  status: FrameStatus;
  message: string;
  channel_id: string | null;
  timestamp: string;
  data: unknown;
  seq?: number;
  id?: string;
}

export function frame(
  status: FrameStatus,
  channelId: string | null,
  message: string,
  data: unknown = null,
  timestamp = new Date().toISOString(),
): Frame {
  return { status, message, channel_id: channelId, timestamp, data };
}

/** A broadcast as clients receive it (and as the history API returns it). */
export function broadcastFrame(msg: {
  channelId: string;
  content: string;
  data: unknown;
  seq: number;
  id: string;
  timestamp: string;
}): Frame {
  return {
    status: 'broadcast',
    message: msg.content,
    channel_id: msg.channelId,
    timestamp: msg.timestamp,
    data: msg.data ?? null,
    seq: msg.seq,
    id: msg.id,
  };
}
