import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { BroadcastService } from '../broadcast/broadcast.service';
import { frame } from '../broadcast/frames';
import { SocketSubscriber } from './socket-subscriber';
import * as wire from './wire';

/** A stand-in for a `ws` socket: records the bytes written to the TCP socket beneath it. */
function fakeSocket() {
  const writes: Buffer[] = [];
  const socket = {
    writable: true,
    corked: 0,
    write: (b: Buffer) => (writes.push(b), true),
    cork() {
      this.corked++;
    },
    uncork() {},
  };
  const ws = {
    readyState: WebSocket.OPEN,
    bufferedAmount: 0,
    _socket: socket,
    _sender: { _state: 0, _queue: [] },
    send: jest.fn(),
    close: jest.fn(),
    terminate: jest.fn(),
  };
  return { ws: ws as unknown as WebSocket, socket, writes, raw: ws };
}

/** Splits bytes into the payloads of unmasked server text frames. */
function decodeFrames(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length;) {
    expect(bytes[i]).toBe(0x81);
    let len = bytes[i + 1] & 0x7f;
    let header = 2;
    if (len === 126) {
      len = bytes.readUInt16BE(i + 2);
      header = 4;
    } else if (len === 127) {
      len = bytes.readUInt32BE(i + 6);
      header = 10;
    }
    out.push(bytes.toString('utf8', i + header, i + header + len));
    i += header + len;
  }
  return out;
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('SocketSubscriber fast path', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('serializes and frames a broadcast once for 1000 subscribers, and writes the same buffer to each', async () => {
    const broadcast = new BroadcastService();
    const sockets = Array.from({ length: 1000 }, () => fakeSocket());
    sockets.forEach((s, i) =>
      broadcast.subscribe('c', new SocketSubscriber(`s${i}`, 'c', s.ws, { maxBuffered: 1 << 20 })),
    );
    const stringify = jest.spyOn(JSON, 'stringify');
    const encode = jest.spyOn(wire, 'encodeTextFrame');

    broadcast.publish('c', { ...frame('broadcast', 'c', 'A004'), seq: 1 }, { seq: 1 });
    await nextTurn();

    expect(stringify).toHaveBeenCalledTimes(1);
    expect(encode).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    encode.mockRestore();
    const first = sockets[0].writes[0];
    expect(sockets.every((s) => s.writes.length === 1 && s.writes[0] === first)).toBe(true);
    expect(JSON.parse(decodeFrames(first)[0])).toMatchObject({
      status: 'broadcast',
      message: 'A004',
      seq: 1,
    });
  });

  it('coalesces the frames of one turn into one corked write, keeping boundaries and order', async () => {
    const broadcast = new BroadcastService();
    const s = fakeSocket();
    broadcast.subscribe('c', new SocketSubscriber('s', 'c', s.ws, { maxBuffered: 1 << 20 }));
    const sizes = [0, 5, 125, 126, 300, 65535, 65536, 70000];
    sizes.forEach((n, i) =>
      broadcast.publish(
        'c',
        { ...frame('broadcast', 'c', 'é'.repeat(n / 2) + 'x'.repeat(n % 2)), seq: i + 1 },
        { seq: i + 1 },
      ),
    );
    expect(s.writes).toHaveLength(0); // nothing written before the turn ends
    await nextTurn();

    expect(s.socket.corked).toBe(1);
    const payloads = decodeFrames(Buffer.concat(s.writes)).map(
      (p) => JSON.parse(p) as { seq: number; message: string },
    );
    expect(payloads.map((p) => p.seq)).toEqual(sizes.map((_, i) => i + 1));
    expect(payloads.map((p) => Buffer.byteLength(p.message))).toEqual(sizes);
  });

  it('falls back to ws.send, in order, while ws has a frame of its own queued', async () => {
    const broadcast = new BroadcastService();
    const s = fakeSocket();
    s.raw._sender._queue = [{}] as never;
    broadcast.subscribe('c', new SocketSubscriber('s', 'c', s.ws, { maxBuffered: 1 << 20 }));
    broadcast.publish('c', frame('broadcast', 'c', 'one'));
    broadcast.publish('c', frame('broadcast', 'c', 'two'));
    await nextTurn();
    expect(s.writes).toHaveLength(0);
    expect(
      s.raw.send.mock.calls.map((c: [string]) => (JSON.parse(c[0]) as { message: string }).message),
    ).toEqual(['one', 'two']);
  });

  it('closes a socket whose unsent bytes pass the bound with 1013, and writes nothing more', async () => {
    const broadcast = new BroadcastService();
    const s = fakeSocket();
    const onSlowClose = jest.fn();
    broadcast.subscribe(
      'c',
      new SocketSubscriber('s', 'c', s.ws, { maxBuffered: 1000, onSlowClose }),
    );
    s.raw.bufferedAmount = 5000;
    broadcast.publish('c', frame('broadcast', 'c', 'late'));
    broadcast.publish('c', frame('broadcast', 'c', 'later'));
    await nextTurn();
    expect(s.raw.close).toHaveBeenCalledWith(1013, 'slow consumer');
    expect(s.writes).toHaveLength(0);
    expect(onSlowClose).toHaveBeenCalledTimes(1);
  });
});
