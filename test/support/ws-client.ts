import { WebSocket } from 'ws';

export interface Frame {
  status: string;
  message: string;
  channel_id: string | null;
  timestamp: string;
  data: any;
  seq?: number;
  id?: string;
}

/**
 * A real WebSocket client that records every frame. `next()` waits for the next unread frame
 * matching a predicate, with a timeout, never a sleep.
 */
export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  static connect(url: string, timeoutMs = 5000): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new WsClient(ws);
      const timer = setTimeout(() => reject(new Error(`connect to ${url} timed out`)), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Connects and waits for the first frame (`connected` or `denied`). */
  static async join(url: string): Promise<{ client: WsClient; first: Frame }> {
    const client = await WsClient.connect(url);
    const first = await client.next();
    return { client, first };
  }

  /** The next unread frame that matches (earlier non-matching frames are skipped). */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++];
        if (match(f)) return f;
      }
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-3))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Every frame with this status received so far. */
  all(status: string): Frame[] {
    return this.frames.filter((f) => f.status === status);
  }

  send(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}

/** Resolves when `check` stops throwing, or rejects with its last error after `timeoutMs`. */
export async function expectEventually(
  check: () => void | Promise<void>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
