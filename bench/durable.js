#!/usr/bin/env node
// Durable broadcast throughput: how many broadcasts per second are acknowledged (stored on disk
// before the 200) on a channel with persist_messages, at several concurrencies, against the same
// channel without persistence as the baseline measured in the same run.
//
//   node bench/durable.js [--messages 3000] [--concurrency 1,16,64] [--database-url postgres://…]
//
// Needs a build (npm run build). Talks to 127.0.0.1 only.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir, cpus } = require('node:os');
const { join } = require('node:path');

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
if (args.includes('--help')) {
  console.log(
    'node bench/durable.js [--messages 3000] [--concurrency 1,16,64] [--database-url URL]',
  );
  process.exit(0);
}
const MESSAGES = Number(arg('messages', '3000'));
const CONCURRENCY = arg('concurrency', '1,16,64').split(',').map(Number);
const DATABASE_URL = arg('database-url', '');

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: data
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
          : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('request timed out')));
    if (data) req.write(data);
    req.end();
  });
}

function startHub(dir) {
  return new Promise((resolve, reject) => {
    const env = {
      PATH: process.env.PATH,
      EMIT_HUB_PORT: '0',
      EMIT_HUB_HOST: '127.0.0.1',
      EMIT_HUB_LOG_LEVEL: 'info',
      EMIT_HUB_DB_PATH: join(dir, 'bench.db'),
    };
    if (DATABASE_URL) env.EMIT_HUB_DATABASE_URL = DATABASE_URL;
    const proc = spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(
      () => reject(new Error('EmitHub did not start in 20 s (run npm run build first)')),
      20000,
    );
    let buf = '';
    proc.stdout.on('data', (chunk) => {
      buf += chunk;
      for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) {
        try {
          const line = JSON.parse(buf.slice(0, nl));
          if (typeof line.port === 'number' && String(line.msg).includes('Starting EmitHub')) {
            clearTimeout(timer);
            proc.stdout.resume();
            resolve({ proc, port: line.port });
          }
        } catch {
          // not a JSON line
        }
      }
    });
    proc.on('exit', (code) => reject(new Error(`EmitHub exited with ${code}`)));
  });
}

async function run(port, persist, concurrency) {
  const ch = await request(port, 'POST', '/api/v1/channels', {
    name: `bench ${persist ? 'durable' : 'memory'} c${concurrency}`,
    settings: { persist_messages: persist, rate_limit_per_minute: 0 },
  });
  await request(port, 'PUT', `/api/v1/channels/${ch.body.id}/start`);
  let sent = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < MESSAGES) {
        sent++;
        const res = await request(port, 'POST', `/api/v1/channels/${ch.body.id}/broadcast`, {
          content: `message ${sent} ${'x'.repeat(48)}`,
        });
        if (res.status !== 200 || res.body.persisted !== persist) failed++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    persist,
    concurrency,
    messages: MESSAGES,
    failed,
    seconds,
    perSecond: MESSAGES / seconds,
  };
}

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emit-hub-durable-'));
  const { proc, port } = await startHub(dir);
  try {
    const rows = [];
    for (const c of CONCURRENCY) {
      process.stderr.write(`[durable] concurrency ${c}: in memory… `);
      const memory = await run(port, false, c);
      process.stderr.write(`durable… `);
      const durable = await run(port, true, c);
      process.stderr.write('done\n');
      rows.push({ c, memory, durable });
    }
    console.log(
      `\nDurable broadcasts (${DATABASE_URL ? 'PostgreSQL' : 'SQLite WAL, synchronous=FULL'}), ${MESSAGES} per run, ${cpus().length} × ${cpus()[0].model}, Node ${process.version}`,
    );
    console.log(
      '| in flight | in memory (msg/s) | durable (msg/s) | durable / in memory | failed |',
    );
    console.log('|---:|---:|---:|---:|---:|');
    for (const { c, memory, durable } of rows) {
      console.log(
        `| ${c} | ${memory.perSecond.toFixed(0)} | ${durable.perSecond.toFixed(0)} | ${(durable.perSecond / memory.perSecond).toFixed(2)} | ${memory.failed + durable.failed} |`,
      );
    }
  } finally {
    proc.kill('SIGTERM');
    agent.destroy();
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
  }
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
