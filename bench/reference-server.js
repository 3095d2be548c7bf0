'use strict';
/**
 * Baseline for the fan-out benchmark: the least a Node.js broadcast hub can do with `ws`.
 *
 * - `POST /publish` with `{"content": "..."}` answers `{"seq": N, "recipients": R}`.
 * - `ws://HOST:PORT/ws` subscribes; every publish is serialized ONCE and the same string is
 *   handed to `ws.send` for each open client, in the frame shape EmitHub uses.
 * - `GET /health` answers 200 so the runner can poll it like EmitHub's.
 *
 * No validation, auth, logging, persistence or back-pressure handling: whatever EmitHub costs on
 * top of this is the price of its features (and of anything it does that it need not).
 *
 * Usage: node bench/reference-server.js [PORT] [--exit-on-stdin-close]
 *        (or PORT=...; default 0 = any free port)
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { WebSocketServer, WebSocket } = require('ws');

const args = process.argv.slice(2);
const port = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
let seq = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return reply(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/publish') {
    return reply(res, 404, { error: 'not found' });
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let content;
    try {
      content = JSON.parse(Buffer.concat(chunks).toString('utf8')).content;
    } catch {
      // handled below
    }
    if (typeof content !== 'string') {
      return reply(res, 400, { error: 'body must be {"content": string}' });
    }
    seq++;
    const frame = JSON.stringify({
      status: 'broadcast',
      message: content,
      channel_id: 'ref',
      timestamp: new Date().toISOString(),
      data: null,
      seq,
      id: randomUUID(),
    });
    let recipients = 0;
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      ws.send(frame);
      recipients++;
    }
    reply(res, 200, { seq, recipients });
  });
});

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
// Same greeting as EmitHub, so the load generator treats both servers alike.
wss.on('connection', (ws) => {
  ws.send(
    JSON.stringify({
      status: 'connected',
      message: 'Connected',
      channel_id: 'ref',
      timestamp: new Date().toISOString(),
      data: null,
    }),
  );
});

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

server.listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});

if (args.includes('--exit-on-stdin-close')) {
  // The runner holds our stdin open; when it dies, even without signalling us, we go too.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
process.on('SIGTERM', () => process.exit(0));
