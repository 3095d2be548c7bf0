'use strict';
/**
 * Load generator of the fan-out benchmark. bench/run.js forks it (one fresh process per server
 * and mode) so that the client's CPU is not charged to the server under test, and drives it
 * over IPC, one command at a time:
 *
 *   runner → loadgen   { id, cmd: 'connect', url, count, batch }     open WebSocket subscribers
 *                      { id, cmd: 'burst', url, messages, payload, inflight }
 *                      { id, cmd: 'rate',  url, rate, seconds, payload, inflight }
 *                      { id, cmd: 'flood', url, seconds, payload, inflight }
 *                      { id, cmd: 'warmup', url, seconds, payload, inflight }   (a flood, not reported)
 *                      { id, cmd: 'close' }                          close every subscriber
 *   loadgen → runner   { type: 'progress', text }
 *                      { type: 'reply', id, ok: true, result } | { type: 'reply', id, ok: false, error }
 *
 * Publishing and receiving happen in this one process, so a message's latency is measured on a
 * single clock: the publisher writes `performance.now()` into the content, the subscriber reads
 * it back when the frame arrives.
 *
 * Correctness is checked per subscriber with the frames' `seq`: a delivery counts once per seq
 * (`duplicated` counts the repeats), `out_of_order` counts new seqs arriving after a higher one,
 * and `lost` is every (subscriber, published seq) pair never received.
 */
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');
const { LATE_BROADCAST, sleep, requestJson, Samples } = require('./common');

/** Highest seq a subscriber tracks; anything above is counted as invalid (a seq bitmap stays small). */
const SEQ_LIMIT = 1 << 26;
const REQUEST_TIMEOUT_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 10_000;

/** Each phase tags its content with one letter, so a frame is attributed to the phase that sent it. */
const TAGS = { burst: 'b', rate: 'r', flood: 'f', warmup: 'w' };

let stallMs = 10_000;
/** Open subscribers, in connection order. */
const subscribers = [];
/** Phases being measured, by content tag. */
const activePhases = new Map();
/** Frames that are not broadcasts of a measured phase, by kind (for the report). */
const otherFrames = {};
/** Subscribers the server closed (or dropped) while we still wanted them, for progress lines. */
let closedByServer = 0;

// ---------------------------------------------------------------------------------------------
// Subscribers

class Subscriber {
  constructor(ws) {
    this.ws = ws;
    /** seen[seq] === 1 once this subscriber got that seq; allocated on the first broadcast. */
    this.seen = null;
    this.maxSeq = 0;
    /** Set when we close it ourselves, so only closes by the server count as disconnects. */
    this.closing = false;
    this.closedBy = null;
  }

  /** Marks `seq` as received; returns false when it already was. */
  mark(seq) {
    if (this.seen === null) {
      this.seen = new Uint8Array(Math.max(4096, seq * 2));
    } else if (seq >= this.seen.length) {
      const bigger = new Uint8Array(
        Math.min(SEQ_LIMIT + 1, Math.max(seq + 1, this.seen.length * 2)),
      );
      bigger.set(this.seen);
      this.seen = bigger;
    }
    if (this.seen[seq] === 1) return false;
    this.seen[seq] = 1;
    return true;
  }

  has(seq) {
    return this.seen !== null && seq < this.seen.length && this.seen[seq] === 1;
  }
}

function countOther(kind) {
  otherFrames[kind] = (otherFrames[kind] ?? 0) + 1;
}

function onFrame(sub, data) {
  const now = performance.now();
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    return countOther('unparsable');
  }
  if (frame === null || typeof frame !== 'object') return countOther('unparsable');
  if (frame.status === 'connected') return sub.onConnected?.();
  // Only broadcast frames are deliveries; heartbeats or notices are counted and ignored.
  if (frame.status !== 'broadcast') return countOther(`status:${frame.status}`);

  const message = typeof frame.message === 'string' ? frame.message : '';
  const phase = activePhases.get(message[0]);
  if (!phase) return countOther(LATE_BROADCAST);
  const seq = frame.seq;
  if (!Number.isInteger(seq) || seq < 1 || seq > SEQ_LIMIT) {
    phase.invalidSeq++;
    return;
  }
  if (!sub.mark(seq)) {
    phase.duplicated++;
    return;
  }
  if (seq < sub.maxSeq) phase.outOfOrder++;
  else sub.maxSeq = seq;
  phase.received++;
  phase.lastDeliveryAt = now;
  phase.lastActivityAt = now;
  const sentAt = Number(message.slice(1, message.indexOf(':')));
  if (Number.isFinite(sentAt)) phase.latency.push(now - sentAt);
}

/** Opens one subscriber; resolves it once the server's `connected` frame arrived, else null. */
function openSubscriber(url, failures) {
  return new Promise((resolve) => {
    // skipUTF8Validation: the client's own CPU is not what is measured; frames are JSON-parsed anyway.
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    const sub = new Subscriber(ws);
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      failures[why] = (failures[why] ?? 0) + 1;
      ws.terminate();
      resolve(null);
    };
    const timer = setTimeout(() => fail('no connected frame in time'), HANDSHAKE_TIMEOUT_MS + 1000);
    sub.onConnected = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(sub);
    };
    ws.on('message', (data) => onFrame(sub, data));
    ws.on('error', (err) => fail(err.message));
    ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
    ws.on('close', (code) => {
      if (!settled) return fail(`closed ${code} before connected`);
      if (!sub.closing) {
        sub.closedBy = code;
        closedByServer++;
      }
    });
  });
}

async function connect({ url, count, batch }) {
  const started = performance.now();
  const failures = {};
  let opened = 0;
  // Batches keep the number of handshakes in flight (and half-open sockets) bounded.
  for (let done = 0; done < count;) {
    const n = Math.min(batch, count - done);
    const batchSubs = await Promise.all(
      Array.from({ length: n }, () => openSubscriber(url, failures)),
    );
    for (const sub of batchSubs) {
      if (sub) {
        subscribers.push(sub);
        opened++;
      }
    }
    done += n;
    progress(
      `connecting ${count} ${count === 1 ? 'subscriber' : 'subscribers'}… ${opened}/${count}`,
      done === count,
    );
  }
  return {
    requested: count,
    connected: opened,
    failed: count - opened,
    failures,
    seconds: secondsSince(started),
  };
}

async function closeAll() {
  const started = performance.now();
  const all = subscribers.splice(0);
  const disconnects = serverCloses(all);
  const closed = all.map(
    (sub) =>
      new Promise((resolve) =>
        sub.ws.readyState === WebSocket.CLOSED ? resolve() : sub.ws.once('close', resolve),
      ),
  );
  for (const sub of all) {
    sub.closing = true;
    if (sub.ws.readyState === WebSocket.OPEN) sub.ws.close(1000, 'bench done');
  }
  let timer;
  const timedOut = await Promise.race([
    Promise.all(closed).then(() => false),
    new Promise((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (timedOut) for (const sub of all) sub.ws.terminate();
  return {
    closed: all.length,
    timed_out: timedOut,
    disconnects_before_close: disconnects,
    seconds: secondsSince(started),
  };
}

/** Closes initiated by the server, by close code. */
function serverCloses(subs) {
  const byCode = {};
  for (const sub of subs)
    if (sub.closedBy !== null) byCode[sub.closedBy] = (byCode[sub.closedBy] ?? 0) + 1;
  return byCode;
}

// ---------------------------------------------------------------------------------------------
// Publishing and phases

function newPhase(name, expectedDeliveries) {
  const now = performance.now();
  const phase = {
    name,
    tag: TAGS[name],
    /** Subscribers open when the phase started: each one should get every published message. */
    subs: subscribers.filter((s) => s.ws.readyState === WebSocket.OPEN),
    published: [],
    publishErrors: 0,
    firstPublishError: null,
    recipientsMismatch: 0,
    received: 0,
    duplicated: 0,
    outOfOrder: 0,
    invalidSeq: 0,
    latency: new Samples(expectedDeliveries),
    requestLatency: new Samples(1024),
    startedAt: now,
    publishEndedAt: now,
    lastDeliveryAt: now,
    lastActivityAt: now,
    stalled: false,
    aborted: false,
    cpuStart: process.cpuUsage(),
  };
  activePhases.set(phase.tag, phase);
  return phase;
}

/** Content of exactly `payload` bytes (ASCII) starting with the phase tag and the send time. */
function content(tag, sentAt, payload) {
  const head = `${tag}${sentAt.toFixed(3)}:`;
  return head.length >= payload ? head : head + '.'.repeat(payload - head.length);
}

async function publishOne(phase, url, agent, payload) {
  const sentAt = performance.now();
  const res = await requestJson(url, {
    method: 'POST',
    body: { content: content(phase.tag, sentAt, payload) },
    agent,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  const now = performance.now();
  phase.requestLatency.push(now - sentAt);
  if (res.status >= 200 && res.status < 300 && Number.isInteger(res.body?.seq)) {
    // Only successes count as progress: a server failing every request still stalls the phase.
    phase.lastActivityAt = now;
    phase.published.push(res.body.seq);
    if (typeof res.body.recipients === 'number' && res.body.recipients !== phase.subs.length) {
      phase.recipientsMismatch++;
    }
    return;
  }
  phase.publishErrors++;
  phase.firstPublishError ??= res.error ?? `HTTP ${res.status}: ${String(res.text).slice(0, 200)}`;
}

/**
 * Ends the phase when nothing happens (no publish answered, no delivery) for `stallMs`:
 * publishing stops and waiting for deliveries ends, so a stuck server yields a report, not a hang.
 */
function watchStall(phase) {
  const timer = setInterval(() => {
    if (performance.now() - phase.lastActivityAt > stallMs) {
      phase.stalled = true;
      phase.aborted = true;
    }
  }, 100);
  return () => clearInterval(timer);
}

/** As fast as `inflight` concurrent requests allow, until `count` messages or `until` (ms). */
async function publishClosedLoop(phase, { url, payload, inflight, count, until, label }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
  let next = 0;
  const more = () =>
    !phase.aborted && (count !== undefined ? next < count : performance.now() < until);
  const report = setInterval(() => progress(label(next)), 1000);
  const worker = async () => {
    while (more()) {
      next++;
      await publishOne(phase, url, agent, payload);
    }
  };
  try {
    await Promise.all(Array.from({ length: inflight }, worker));
  } finally {
    clearInterval(report);
    agent.destroy();
  }
  phase.publishEndedAt = performance.now();
}

/** Open loop: message i is sent at start + i/rate whatever the answers, up to `inflight` pending. */
async function publishAtRate(phase, { url, payload, inflight, rate, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
  const total = Math.max(1, Math.round(rate * seconds));
  const period = 1000 / rate;
  const pending = new Set();
  let lastReport = performance.now();
  let late = 0;
  try {
    for (let i = 0; i < total && !phase.aborted; i++) {
      const wait = phase.startedAt + i * period - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -period) late++;
      // Each request times out, so this wait is bounded.
      while (pending.size >= inflight && !phase.aborted) await Promise.race(pending);
      const p = publishOne(phase, url, agent, payload).finally(() => pending.delete(p));
      pending.add(p);
      if (performance.now() - lastReport >= 1000) {
        lastReport = performance.now();
        progress(
          `fixed rate ${i + 1}/${total} published (${rate} msg/s), ${fmt(phase.received)} delivered`,
        );
      }
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  phase.publishEndedAt = performance.now();
  return late;
}

/** Waits until every open subscriber has every published message, or until the phase stalls. */
async function awaitDeliveries(phase, label) {
  const expected = phase.subs.length * phase.published.length;
  let lastReport = performance.now();
  // Bounded: the stall watcher sets `aborted` after stallMs without a new delivery.
  while (phase.received < expected && !phase.aborted) {
    await sleep(20);
    if (performance.now() - lastReport >= 1000) {
      lastReport = performance.now();
      const closed = closedByServer ? `, ${closedByServer} subscribers closed by the server` : '';
      progress(`${label}: waiting for deliveries ${fmt(phase.received)}/${fmt(expected)}${closed}`);
    }
  }
}

/** Final accounting of a phase against what was actually published. */
function finish(phase) {
  activePhases.delete(phase.tag);
  let delivered = 0;
  let lost = 0;
  for (const sub of phase.subs) {
    for (const seq of phase.published) {
      if (sub.has(seq)) delivered++;
      else lost++;
    }
  }
  const cpu = process.cpuUsage(phase.cpuStart);
  const end = Math.max(phase.lastDeliveryAt, phase.publishEndedAt);
  const seconds = (end - phase.startedAt) / 1000;
  const publishSeconds = (phase.publishEndedAt - phase.startedAt) / 1000;
  return {
    subscribers: phase.subs.length,
    published: phase.published.length,
    publish_errors: phase.publishErrors,
    first_publish_error: phase.firstPublishError,
    recipients_mismatch: phase.recipientsMismatch,
    expected: phase.subs.length * phase.published.length,
    delivered,
    lost,
    duplicated: phase.duplicated,
    out_of_order: phase.outOfOrder,
    // Received, not duplicated, but not among the seqs we were told were published
    // (for instance a publish whose answer timed out).
    unexpected: phase.received - delivered,
    invalid_seq: phase.invalidSeq,
    disconnects: serverCloses(phase.subs),
    stalled: phase.stalled,
    seconds: round3(seconds),
    publish_seconds: round3(publishSeconds),
    publish_per_s: publishSeconds > 0 ? Math.round(phase.published.length / publishSeconds) : null,
    deliveries_per_s: seconds > 0 ? Math.round(delivered / seconds) : null,
    latency_ms: phase.latency.summary(),
    request_latency_ms: phase.requestLatency.summary(),
    loadgen_cpu_s: round3((cpu.user + cpu.system) / 1e6),
    other_frames: { ...otherFrames },
  };
}

async function burst({ url, messages, payload, inflight }) {
  const phase = newPhase('burst', subscribers.length * messages);
  const stopWatch = watchStall(phase);
  const expected = () =>
    `${fmt(phase.subs.length * messages)} delivered${closedByServer ? `, ${closedByServer} subscribers closed by the server` : ''}`;
  try {
    await publishClosedLoop(phase, {
      url,
      payload,
      inflight,
      count: messages,
      label: (n) =>
        `burst ${Math.min(n, messages)}/${messages} published, ${fmt(phase.received)}/${expected()}`,
    });
    progress(
      `burst ${phase.published.length}/${messages} published, ${fmt(phase.received)}/${expected()}`,
      true,
    );
    await awaitDeliveries(phase, 'burst');
  } finally {
    stopWatch();
  }
  return finish(phase);
}

async function fixedRate({ url, rate, seconds, payload, inflight }) {
  const phase = newPhase('rate', subscribers.length * Math.round(rate * seconds));
  const stopWatch = watchStall(phase);
  let late;
  try {
    late = await publishAtRate(phase, { url, payload, inflight, rate, seconds });
    await awaitDeliveries(phase, 'fixed rate');
  } finally {
    stopWatch();
  }
  return { ...finish(phase), rate, sent_late: late };
}

async function flood({ url, seconds, payload, inflight, name = 'flood' }) {
  const phase = newPhase(name, 1024);
  const stopWatch = watchStall(phase);
  const until = performance.now() + seconds * 1000;
  const title = name === 'warmup' ? 'warm-up' : 'publish path';
  try {
    await publishClosedLoop(phase, {
      url,
      payload,
      inflight,
      until,
      label: () => `${title}: ${fmt(phase.published.length)} requests answered`,
    });
    await awaitDeliveries(phase, title);
  } finally {
    stopWatch();
  }
  const result = finish(phase);
  const requestsPerS =
    result.publish_seconds > 0 ? Math.round(result.published / result.publish_seconds) : null;
  return { ...result, requests_per_s: requestsPerS };
}

// ---------------------------------------------------------------------------------------------
// IPC

function progress(text, force = false) {
  const now = performance.now();
  if (!force && now - (progress.last ?? 0) < 1000) return;
  progress.last = now;
  process.send?.({ type: 'progress', text });
}

const COMMANDS = {
  connect,
  burst,
  rate: fixedRate,
  flood,
  // Same as flood, tagged apart: it lets both servers' JIT and buffers warm up before measuring.
  warmup: (msg) => flood({ ...msg, name: 'warmup' }),
  close: closeAll,
};

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

function secondsSince(start) {
  return round3((performance.now() - start) / 1000);
}

if (!process.send) {
  process.stderr.write(
    'bench/loadgen.js is driven by bench/run.js over IPC; run `node bench/run.js --help`.\n',
  );
  process.exit(2);
}

// Commands arrive one at a time (the runner awaits each reply).
process.on('message', async (msg) => {
  if (!msg || typeof msg !== 'object' || !msg.cmd) return;
  if (msg.stallMs) stallMs = msg.stallMs;
  const handler = COMMANDS[msg.cmd];
  try {
    if (!handler) throw new Error(`unknown command ${msg.cmd}`);
    const result = await handler(msg);
    process.send({ type: 'reply', id: msg.id, ok: true, result });
  } catch (err) {
    process.send({ type: 'reply', id: msg.id, ok: false, error: err?.stack ?? String(err) });
  }
});

// Without the runner there is nothing to do: exit rather than linger with open sockets.
process.on('disconnect', () => process.exit(0));
