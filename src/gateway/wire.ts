import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * One complete WebSocket text frame, as a server sends it (RFC 6455 §5.2: FIN, opcode 1, no
 * mask), header and payload in one buffer. A broadcast is encoded once and the same buffer is
 * written to every socket.
 */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

interface WsInternals {
  _socket?: Socket;
  _sender?: { _state: number; _queue: unknown[] };
}

/**
 * The TCP socket under a `ws` WebSocket, when writing prepared frames to it directly is safe:
 * the connection is open and `ws`'s own sender has nothing queued (no compression in progress,
 * no pending blob), so bytes written here cannot overtake or split anything `ws` writes.
 * Otherwise null, and the caller falls back to `ws.send`.
 */
export function rawSocket(ws: WebSocket): Socket | null {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  const sender = internals._sender;
  if (!socket || !sender || sender._state !== 0 || sender._queue.length > 0 || !socket.writable)
    return null;
  return socket;
}
