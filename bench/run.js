'use strict';
/**
 * Fan-out benchmark: EmitHub against a minimal raw-`ws` reference server, in one run.
 *
 *   npm run bench                 (builds, then runs with the defaults)
 *   node bench/run.js --help      (parameters)
 *
 * For each server (reference first, then EmitHub) and each mode (fan-out, publish path, idle
 * connections) a fresh server process is started, and a fresh load generator process
 * (bench/loadgen.js) does the client side, so that neither the client's CPU nor the previous
 * mode's heap is charged to the measurement. This process only orchestrates and reads the
 * server's CPU time and memory from /proc. See bench/README.md for what each number means.
 */
const { spawn, fork, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { LATE_BROADCAST, sleep, requestJson } = require('./common');

const ROOT = path.resolve(__dirname, '..');
const EMIT_HUB_MAIN = path.join(ROOT, 'dist', 'main.js');
const REFERENCE_SERVER = path.join(__dirname, 'reference-server.js');
const LOADGEN = path.join(__dirname, 'loadgen.js');
const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

const SERVERS = { ref: 'reference (raw ws)', emithub: 'EmitHub' };
const PHASES = ['burst', 'rate', 'publish', 'idle'];
/** Each process may hold this many sockets; stay clear of `ulimit -n` (20000 on CI machines). */
const MAX_SOCKETS = 18_000;

const OPTIONS = [
  {
    name: 'subscribers',
    def: 1000,
    min: 1,
    max: MAX_SOCKETS,
    help: 'WebSocket subscribers in the burst and fixed-rate phases',
  },
  {
    name: 'messages',
    def: 2000,
    min: 1,
    max: 1_000_000,
    help: 'messages published in the burst phase',
  },
  {
    name: 'payload',
    def: 64,
    min: 16,
    max: 1_000_000,
    help: 'content size in bytes (it starts with the send time)',
  },
  {
    name: 'inflight',
    def: 32,
    min: 1,
    max: 1000,
    help: 'concurrent publish requests (keep-alive connections)',
  },
  {
    name: 'rate',
    def: 40,
    min: 1,
    max: 100_000,
    help: 'messages per second in the fixed-rate (latency) phase',
  },
  { name: 'rate-seconds', def: 10, min: 1, max: 3600, help: 'duration of the fixed-rate phase' },
  {
    name: 'idle',
    def: 10000,
    min: 1,
    max: MAX_SOCKETS,
    help: 'idle connections opened to measure memory per connection',
  },
  {
    name: 'publish-seconds',
    def: 5,
    min: 1,
    max: 3600,
    help: 'duration of the publish-path phase (1 subscriber)',
  },
  {
    name: 'warmup-seconds',
    def: 2,
    min: 0,
    max: 600,
    help: 'unmeasured publishing before the burst and the publish-path phase',
  },
  {
    name: 'stall-seconds',
    def: 10,
    min: 1,
    max: 600,
    help: 'a phase ends (and reports losses) after this long without progress',
  },
  {
    name: 'settle-seconds',
    def: 2,
    min: 0,
    max: 600,
    help: 'wait before each RSS reading of the idle phase',
  },
];

const USAGE = `Usage: node bench/run.js [options]     (or: npm run bench -- [options])

Fan-out benchmark of EmitHub (dist/main.js, build it first) against a minimal raw-ws server.
Phases: burst (throughput, CPU per delivery), rate (latency at a fixed rate), publish
(HTTP publish path, 1 subscriber), idle (server memory per open connection).

Options:
${OPTIONS.map((o) => `  --${o.name.padEnd(16)} ${String(o.def).padStart(6)}  ${o.help}`).join('\n')}
  --only ref|emithub            run one server only
  --skip LIST                   comma-separated phases to skip: ${PHASES.join(', ')}
  --help                        this text

Progress goes to stderr; the report table to stdout; raw numbers to bench/results/latest.json.`;

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const opts = Object.fromEntries(OPTIONS.map((o) => [o.name, o.def]));
  opts.only = null;
  opts.skip = new Set();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    let value;
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else {
      value = argv[++i];
    }
    const name = arg.slice(2);
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (name === 'only') {
      if (!(value in SERVERS)) {
        throw new UsageError(`--only takes ${Object.keys(SERVERS).join(' or ')}, got ${value}`);
      }
      opts.only = value;
    } else if (name === 'skip') {
      for (const phase of value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!PHASES.includes(phase)) {
          throw new UsageError(`--skip takes ${PHASES.join(', ')}; got ${phase}`);
        }
        opts.skip.add(phase);
      }
    } else {
      const def = OPTIONS.find((o) => o.name === name);
      if (!def) throw new UsageError(`unknown option ${arg}`);
      const n = Number(value);
      if (
        !Number.isFinite(n) ||
        n < def.min ||
        n > def.max ||
        (name !== 'rate' && !Number.isInteger(n))
      ) {
        throw new UsageError(
          `${arg} must be ${name === 'rate' ? 'a number' : 'an integer'} from ${def.min} to ${def.max}, got ${value}`,
        );
      }
      opts[name] = n;
    }
  }
  return opts;
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Child processes: always killed when this process ends, however it ends

const children = new Set();
const tempDirs = new Set();

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping the benchmark and its processes\n`);
    killAll();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Servers under test

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function emitHubEnv(port, dir) {
  const env = { ...process.env };
  // Nothing from the caller's EmitHub configuration (API key, config file, limits) leaks in.
  for (const key of Object.keys(env)) if (key.startsWith('EMIT_HUB_')) delete env[key];
  return {
    ...env,
    EMIT_HUB_PORT: String(port),
    EMIT_HUB_HOST: '127.0.0.1',
    EMIT_HUB_DB_PATH: path.join(dir, 'bench.db'),
    EMIT_HUB_LOG_LEVEL: 'warn',
    EMIT_HUB_MAX_CONNECTIONS: '20000',
  };
}

/** Starts a fresh server in a temp dir (so no ./emit_hub.toml applies) and waits for /health. */
async function startServer(kind, log) {
  if (kind === 'emithub' && !(await waitForBuild(log))) {
    throw new Error('dist/main.js not found: build EmitHub (npx nest build)');
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emithub-bench-'));
  tempDirs.add(dir);
  const child =
    kind === 'ref'
      ? spawn(process.execPath, [REFERENCE_SERVER, String(port), '--exit-on-stdin-close'], {
          cwd: dir,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [EMIT_HUB_MAIN], {
          cwd: dir,
          env: emitHubEnv(port, dir),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  track(child);
  const srv = {
    kind,
    port,
    dir,
    child,
    pid: child.pid,
    warnings: {},
    warningCount: 0,
    stderrTail: [],
    exit: null,
  };
  srv.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve((srv.exit = { code, signal }))),
  );
  watchServerOutput(srv, log);

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (srv.exit) {
      throw new Error(
        `server exited during start-up (${describeExit(srv.exit)}): ${stderrTail(srv, 8)}`,
      );
    }
    const res = await requestJson(`http://127.0.0.1:${port}/health`, { timeoutMs: 1000 });
    if (res.status === 200) return srv;
    await sleep(100);
  }
  throw new Error('server did not answer GET /health with 200 within 30 s');
}

/**
 * `nest build` empties dist/ before writing it again: when a build runs while the benchmark
 * does, wait a little for dist/main.js to come back rather than fail the mode.
 */
async function waitForBuild(log) {
  if (fs.existsSync(EMIT_HUB_MAIN)) return true;
  log('dist/main.js is missing (a build running?): waiting up to 30 s');
  for (let waited = 0; waited < 30_000 && !fs.existsSync(EMIT_HUB_MAIN); waited += 500) {
    await sleep(500);
  }
  if (!fs.existsSync(EMIT_HUB_MAIN)) return false;
  // Give the rest of the build output a moment to land after the entry point.
  await sleep(2000);
  return true;
}

/** The last lines EmitHub wrote to stderr, for a crash report. */
function stderrTail(srv, lines = 5) {
  return srv.stderrTail
    .filter((l) => l.trim())
    .slice(-lines)
    .join(' | ');
}

/** EmitHub logs JSON lines: warnings and errors are counted and the first few shown. */
function watchServerOutput(srv, log) {
  lines(srv.child.stdout, (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof entry.level !== 'number' || entry.level < 40) return;
    const msg = String(entry.msg ?? entry.message ?? line).slice(0, 160);
    srv.warnings[msg] = (srv.warnings[msg] ?? 0) + 1;
    if (++srv.warningCount <= 5) log(`server ${entry.level >= 50 ? 'error' : 'warning'}: ${msg}`);
  });
  lines(srv.child.stderr, (line) => {
    srv.stderrTail.push(line.slice(0, 300));
    if (srv.stderrTail.length > 20) srv.stderrTail.shift();
  });
}

function lines(stream, onLine) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
}

/** Where the load generator subscribes and publishes; for EmitHub a new, started channel. */
async function prepareTarget(kind, port) {
  const base = `http://127.0.0.1:${port}`;
  if (kind === 'ref') return { wsUrl: `ws://127.0.0.1:${port}/ws`, publishUrl: `${base}/publish` };
  const settings = {
    max_connections: 20000,
    rate_limit_per_minute: 0,
    allow_client_messages: false,
    persist_messages: false,
  };
  const created = await requestJson(`${base}/api/v1/channels`, {
    method: 'POST',
    body: { name: 'bench', settings },
  });
  if (created.status !== 201 || !created.body?.id) {
    throw new Error(
      `creating the channel failed: ${created.error ?? `${created.status} ${created.text}`}`,
    );
  }
  const id = created.body.id;
  const started = await requestJson(`${base}/api/v1/channels/${id}/start`, { method: 'PUT' });
  if (started.status !== 200) {
    throw new Error(
      `starting the channel failed: ${started.error ?? `${started.status} ${started.text}`}`,
    );
  }
  return {
    wsUrl: `ws://127.0.0.1:${port}/api/v1/channels/${id}/ws`,
    publishUrl: `${base}/api/v1/channels/${id}/broadcast`,
  };
}

/** Stops the server (SIGTERM, then SIGKILL after 10 s); reports whether it had died on its own. */
async function stopServer(srv) {
  const crashed = srv.exit !== null;
  if (!crashed) {
    srv.child.kill('SIGTERM');
    const killer = setTimeout(() => srv.child.kill('SIGKILL'), 10_000);
    await srv.exited;
    clearTimeout(killer);
  }
  fs.rmSync(srv.dir, { recursive: true, force: true });
  tempDirs.delete(srv.dir);
  return {
    crashed,
    ...(crashed && { exit: describeExit(srv.exit), stderr_tail: srv.stderrTail }),
    warnings: srv.warnings,
  };
}

function describeExit({ code, signal }) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

// ---------------------------------------------------------------------------------------------
// Measuring a process through /proc

let clockTicks;
function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Samples a process's RSS every 100 ms (for the peak) and reads its CPU time on demand. */
class ProcMonitor {
  constructor(pid) {
    this.pid = pid;
    this.peakRss = 0;
    this.timer = setInterval(() => this.rss(), 100);
  }

  /** Current RSS in bytes (null when the process is gone); also updates the peak. */
  rss() {
    const status = this.status();
    if (!status) return null;
    this.peakRss = Math.max(this.peakRss, status.VmRSS ?? 0, status.VmHWM ?? 0);
    return status.VmRSS ?? null;
  }

  /** utime + stime in seconds. */
  cpuSeconds() {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clkTck();
    } catch {
      return null;
    }
  }

  status() {
    try {
      const out = {};
      for (const line of fs.readFileSync(`/proc/${this.pid}/status`, 'utf8').split('\n')) {
        const m = /^(VmRSS|VmHWM):\s+(\d+) kB/.exec(line);
        if (m) out[m[1]] = Number(m[2]) * 1024;
      }
      return out;
    } catch {
      return null;
    }
  }

  stop() {
    this.rss();
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Load generator

function startLoadgen(log, opts) {
  const child = track(fork(LOADGEN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const pending = new Map();
  let nextId = 1;
  let exit = null;
  child.on('error', (err) => log(`load generator: ${err.message}`));
  child.on('message', (msg) => {
    if (msg?.type === 'progress') return log(msg.text);
    if (msg?.type !== 'reply') return;
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    clearTimeout(call.timer);
    if (msg.ok) call.resolve(msg.result);
    else call.reject(new Error(`load generator: ${msg.error}`));
  });
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    for (const call of pending.values()) {
      clearTimeout(call.timer);
      call.reject(new Error(`load generator exited (${describeExit(exit)})`));
    }
    pending.clear();
  });

  return {
    pid: child.pid,
    /** Runs one command; the timeout is a backstop above the load generator's own stall detection. */
    call(cmd, args, timeoutMs) {
      if (exit) return Promise.reject(new Error('load generator is not running'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new Error(
              `load generator gave no answer to ${cmd} within ${Math.round(timeoutMs / 1000)} s`,
            ),
          );
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, cmd, stallMs: opts['stall-seconds'] * 1000, ...args });
      });
    },
    async stop() {
      if (exit) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.disconnect(); // the load generator exits when its IPC channel closes
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(killer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Modes: each runs on a fresh server process and a fresh load generator

async function fanoutMode(ctx) {
  const { opts, lg, mon, target, log, out, alive } = ctx;
  const stall = opts['stall-seconds'] * 1000;
  out.connect = await lg.call(
    'connect',
    { url: target.wsUrl, count: opts.subscribers, batch: 200 },
    30_000 + opts.subscribers * 20,
  );
  alive();
  if (out.connect.connected === 0) {
    throw new Error(`no subscriber could connect: ${JSON.stringify(out.connect.failures)}`);
  }

  await warmUp(ctx);
  if (!opts.skip.has('burst')) {
    log(`burst: ${opts.messages} messages of ${opts.payload} B, ${opts.inflight} in flight`);
    const cpu0 = mon.cpuSeconds();
    out.burst = await lg.call(
      'burst',
      {
        url: target.publishUrl,
        messages: opts.messages,
        payload: opts.payload,
        inflight: opts.inflight,
      },
      600_000 + stall,
    );
    Object.assign(out.burst, serverCpu(cpuSince(mon, cpu0), out.burst));
    alive();
    log(
      `burst done: ${out.burst.delivered}/${out.burst.expected} delivered in ${out.burst.seconds} s, lost ${out.burst.lost}`,
    );
  }
  if (!opts.skip.has('rate')) {
    log(`fixed rate: ${opts.rate} msg/s for ${opts['rate-seconds']} s`);
    const cpu0 = mon.cpuSeconds();
    out.rate = await lg.call(
      'rate',
      {
        url: target.publishUrl,
        rate: opts.rate,
        seconds: opts['rate-seconds'],
        payload: opts.payload,
        inflight: opts.inflight,
      },
      opts['rate-seconds'] * 1000 + 2 * stall + 60_000,
    );
    Object.assign(out.rate, serverCpu(cpuSince(mon, cpu0), out.rate));
    alive();
    log(
      `fixed rate done: ${out.rate.delivered}/${out.rate.expected} delivered, p99 ${out.rate.latency_ms?.p99 ?? 'n/a'} ms`,
    );
  }
  out.close = await lg.call('close', {}, 60_000);
}

/** Publishes for --warmup-seconds (not measured) and waits until the deliveries drained. */
async function warmUp(ctx) {
  const { opts, lg, target, log, out, alive } = ctx;
  if (opts['warmup-seconds'] === 0) return;
  log(`warming up for ${opts['warmup-seconds']} s`);
  const w = await lg.call(
    'warmup',
    {
      url: target.publishUrl,
      seconds: opts['warmup-seconds'],
      payload: opts.payload,
      inflight: opts.inflight,
    },
    opts['warmup-seconds'] * 1000 + 2 * opts['stall-seconds'] * 1000 + 60_000,
  );
  alive();
  out.warmup = { published: w.published, delivered: w.delivered, lost: w.lost, seconds: w.seconds };
}

/** Server CPU seconds since `cpu0`; null when the process is gone (it cannot be read any more). */
function cpuSince(mon, cpu0) {
  const now = mon.cpuSeconds();
  return now === null || cpu0 === null ? null : now - cpu0;
}

function serverCpu(cpuSeconds, phase) {
  if (cpuSeconds === null) {
    return {
      server_cpu_s: null,
      server_cpu_s_per_1m_deliveries: null,
      server_cpu_cores: null,
      loadgen_cpu_cores: null,
    };
  }
  return {
    server_cpu_s: round3(cpuSeconds),
    server_cpu_s_per_1m_deliveries:
      phase.delivered > 0 ? round3((cpuSeconds / phase.delivered) * 1e6) : null,
    server_cpu_cores: phase.seconds > 0 ? round3(cpuSeconds / phase.seconds) : null,
    loadgen_cpu_cores: phase.seconds > 0 ? round3(phase.loadgen_cpu_s / phase.seconds) : null,
  };
}

async function publishMode(ctx) {
  const { opts, lg, mon, target, log, out, alive } = ctx;
  out.connect = await lg.call('connect', { url: target.wsUrl, count: 1, batch: 1 }, 30_000);
  alive();
  if (out.connect.connected !== 1) {
    throw new Error(`the subscriber could not connect: ${JSON.stringify(out.connect.failures)}`);
  }
  await warmUp(ctx);
  log(`publish path: ${opts.inflight} requests in flight for ${opts['publish-seconds']} s`);
  const cpu0 = mon.cpuSeconds();
  out.flood = await lg.call(
    'flood',
    {
      url: target.publishUrl,
      seconds: opts['publish-seconds'],
      payload: opts.payload,
      inflight: opts.inflight,
    },
    opts['publish-seconds'] * 1000 + 2 * opts['stall-seconds'] * 1000 + 60_000,
  );
  Object.assign(out.flood, serverCpu(cpuSince(mon, cpu0), out.flood));
  alive();
  log(`publish path done: ${out.flood.requests_per_s} requests/s, lost ${out.flood.lost}`);
  out.close = await lg.call('close', {}, 60_000);
}

async function idleMode(ctx) {
  const { opts, lg, mon, target, log, out, alive } = ctx;
  const settle = opts['settle-seconds'] * 1000;
  // No forced GC is available in the server: a short settle is the best we can do.
  await sleep(settle);
  out.rss_before = mon.rss();
  log(`idle: opening ${opts.idle} connections in batches of 500…`);
  out.connect = await lg.call(
    'connect',
    { url: target.wsUrl, count: opts.idle, batch: 500 },
    30_000 + opts.idle * 20,
  );
  await sleep(settle);
  alive();
  out.rss_with_connections = mon.rss();
  const { connected } = out.connect;
  out.rss_per_connection =
    connected > 0 && out.rss_with_connections !== null
      ? Math.round((out.rss_with_connections - out.rss_before) / connected)
      : null;
  log(
    `idle: ${connected} connections, ${fmtBytes(out.rss_per_connection)} per connection; closing…`,
  );
  out.close = await lg.call('close', {}, 60_000);
}

const MODES = { fanout: fanoutMode, publish: publishMode, idle: idleMode };

async function runMode(kind, mode, opts) {
  const log = (text) => process.stderr.write(`[${kind}] ${text}\n`);
  const out = {};
  let srv;
  let mon;
  let lg;
  try {
    srv = await startServer(kind, log);
    mon = new ProcMonitor(srv.pid);
    out.rss_at_start = mon.rss();
    const target = await prepareTarget(kind, srv.port);
    lg = startLoadgen(log, opts);
    // A server that dies mid-phase does not cut the phase short: the load generator's stall
    // detection ends it and reports what was lost; the mode stops after that phase.
    const alive = () => {
      if (srv.exit) {
        throw new Error(`server exited (${describeExit(srv.exit)}): ${stderrTail(srv)}`);
      }
    };
    await MODES[mode]({ opts, lg, mon, target, log, out, alive });
  } catch (err) {
    out.error = err.message;
    log(`${mode} failed: ${err.message}`);
  } finally {
    if (lg) await lg.stop();
    if (mon) {
      mon.stop();
      out.server_peak_rss = mon.peakRss;
    }
    if (srv) {
      out.server = await stopServer(srv);
      if (out.server.crashed) {
        log(`SERVER CRASHED (${out.server.exit}): ${out.server.stderr_tail.slice(-5).join(' | ')}`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const MB = 1024 * 1024;

/** One table row per metric: [label, which way is better, value from one server's results]. */
function reportRows(opts) {
  const rows = [];
  const section = (title) => rows.push({ title });
  const row = (label, better, get) => rows.push({ label, better, get });
  const phaseRows = (key, name) => {
    row(`${name}: subscribers at start`, '', (r) => r.fanout?.[key]?.subscribers);
    row(`${name}: deliveries`, 'higher', (r) => r.fanout?.[key]?.delivered);
    row(`${name}: lost`, 'lower', (r) => r.fanout?.[key]?.lost);
    row(`${name}: duplicated`, 'lower', (r) => r.fanout?.[key]?.duplicated);
    row(`${name}: out of order`, 'lower', (r) => r.fanout?.[key]?.out_of_order);
    row(`${name}: server-closed subscribers`, 'lower', (r) =>
      sumValues(r.fanout?.[key]?.disconnects),
    );
  };
  const latencyRows = (name, get) => {
    for (const p of ['p50', 'p95', 'p99', 'max'])
      row(`${name} latency ${p} (ms)`, 'lower', (r) => get(r)?.[p]);
  };

  if (!opts.skip.has('burst')) {
    section(
      `Burst: ${opts.subscribers} subscribers x ${opts.messages} messages of ${opts.payload} B, ${opts.inflight} publishes in flight`,
    );
    phaseRows('burst', 'burst');
    row('burst: duration (s)', 'lower', (r) => r.fanout?.burst?.seconds);
    row('burst: deliveries/s', 'higher', (r) => r.fanout?.burst?.deliveries_per_s);
    row('burst: publishes/s', 'higher', (r) => r.fanout?.burst?.publish_per_s);
    latencyRows('burst', (r) => r.fanout?.burst?.latency_ms);
    row(
      'burst: server CPU s per 1M deliveries',
      'lower',
      (r) => r.fanout?.burst?.server_cpu_s_per_1m_deliveries,
    );
    row('burst: server CPU (cores busy)', '', (r) => r.fanout?.burst?.server_cpu_cores);
    row('burst: load generator CPU (cores busy)', '', (r) => r.fanout?.burst?.loadgen_cpu_cores);
  }
  if (!opts.skip.has('rate')) {
    section(
      `Fixed rate: ${opts.rate} msg/s for ${opts['rate-seconds']} s to ${opts.subscribers} subscribers`,
    );
    phaseRows('rate', 'rate');
    latencyRows('rate', (r) => r.fanout?.rate?.latency_ms);
    row(
      'rate: server CPU s per 1M deliveries',
      'lower',
      (r) => r.fanout?.rate?.server_cpu_s_per_1m_deliveries,
    );
  }
  if (!opts.skip.has('burst') || !opts.skip.has('rate')) {
    row('fan-out: server peak RSS (MB)', 'lower', (r) => mb(r.fanout?.server_peak_rss));
  }
  if (!opts.skip.has('publish')) {
    section(
      `Publish path: 1 subscriber, ${opts.inflight} requests in flight for ${opts['publish-seconds']} s`,
    );
    row('publish: requests/s', 'higher', (r) => r.publish?.flood?.requests_per_s);
    row(
      'publish: request latency p50 (ms)',
      'lower',
      (r) => r.publish?.flood?.request_latency_ms?.p50,
    );
    row(
      'publish: request latency p99 (ms)',
      'lower',
      (r) => r.publish?.flood?.request_latency_ms?.p99,
    );
    row('publish: errors', 'lower', (r) => r.publish?.flood?.publish_errors);
    row('publish: lost at the subscriber', 'lower', (r) => r.publish?.flood?.lost);
    row('publish: server CPU ms per 1k requests', 'lower', (r) => perThousandMs(r.publish?.flood));
  }
  if (!opts.skip.has('idle')) {
    section(`Idle: ${opts.idle} open WebSocket connections`);
    row('idle: connections open', 'higher', (r) => r.idle?.connect?.connected);
    row('idle: server RSS before (MB)', 'lower', (r) => mb(r.idle?.rss_before));
    row('idle: server RSS with connections (MB)', 'lower', (r) => mb(r.idle?.rss_with_connections));
    row('idle: server RSS per connection (KB)', 'lower', (r) => kb(r.idle?.rss_per_connection));
  }
  return rows;
}

function renderTable(rows, results) {
  const kinds = ['ref', 'emithub'];
  const header = ['metric', 'reference', 'EmitHub', 'EmitHub/ref', 'better'];
  const body = [];
  for (const r of rows) {
    if (r.title) {
      body.push({ title: r.title });
      continue;
    }
    const [ref, hub] = kinds.map((k) => (results[k] ? value(r.get, results[k]) : undefined));
    body.push({ cells: [r.label, fmtNum(ref), fmtNum(hub), ratio(hub, ref), r.better] });
  }
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.filter((b) => b.cells).map((b) => b.cells[i].length)),
  );
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const b of body) out.push(b.title ? `\n${b.title}` : line(b.cells));
  return out.join('\n');
}

function value(get, result) {
  try {
    const v = get(result);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function ratio(hub, ref) {
  if (hub === undefined || ref === undefined || ref === 0) return '-';
  return `${(hub / ref).toFixed(2)}x`;
}

function fmtNum(v) {
  if (v === undefined) return 'n/a';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(abs >= 10 ? 1 : 2);
}

function fmtBytes(n) {
  if (n === null || n === undefined) return 'n/a';
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

const mb = (n) => (typeof n === 'number' ? round1(n / MB) : undefined);
const kb = (n) => (typeof n === 'number' ? round1(n / 1024) : undefined);
const round1 = (n) => Math.round(n * 10) / 10;
const round3 = (n) => Math.round(n * 1000) / 1000;

function perThousandMs(flood) {
  if (!flood || !flood.published) return undefined;
  return round1((flood.server_cpu_s / flood.published) * 1e6);
}

function sumValues(obj) {
  return obj ? Object.values(obj).reduce((a, b) => a + b, 0) : undefined;
}

const CLOSE_CODES = {
  1001: 'going away',
  1006: 'connection dropped without a close frame',
  1008: 'policy violation',
  1011: 'server error',
  1013: 'try again later: slow consumer',
};

/** Anything a reader must not miss: losses, crashes, errors, disconnects, warnings. */
function problems(results) {
  const found = [];
  for (const [kind, byMode] of Object.entries(results)) {
    for (const [mode, r] of Object.entries(byMode)) {
      const where = `${SERVERS[kind]}, ${mode}`;
      if (r.error) found.push(`${where}: FAILED: ${r.error}`);
      if (r.server?.crashed) found.push(`${where}: server CRASHED (${r.server.exit})`);
      for (const [phase, p] of Object.entries({ burst: r.burst, rate: r.rate, publish: r.flood })) {
        if (!p) continue;
        const bad = [
          'lost',
          'duplicated',
          'out_of_order',
          'unexpected',
          'invalid_seq',
          'publish_errors',
          'recipients_mismatch',
        ].filter((k) => p[k] > 0);
        if (bad.length) {
          found.push(`${where}, ${phase}: ${bad.map((k) => `${k} ${p[k]}`).join(', ')}`);
        }
        if (p.stalled) {
          found.push(
            `${where}, ${phase}: stalled (no progress for --stall-seconds) and was cut short`,
          );
        }
        if (p.first_publish_error) {
          found.push(`${where}, ${phase}: first publish error: ${p.first_publish_error}`);
        }
        const closes = Object.entries(p.disconnects ?? {});
        if (closes.length) {
          found.push(
            `${where}, ${phase}: subscribers closed by the server: ${closes.map(([c, n]) => `${n} with code ${c}${CLOSE_CODES[c] ? ` (${CLOSE_CODES[c]})` : ''}`).join(', ')}`,
          );
        }
        if (p.sent_late > 0) {
          found.push(
            `${where}, ${phase}: ${p.sent_late} messages left more than one period late (load generator busy)`,
          );
        }
      }
      if (r.warmup?.lost > 0) found.push(`${where}, warm-up: lost ${r.warmup.lost}`);
      // Counted across the mode's phases: a duplicate or a very late frame of an earlier phase.
      const late = Math.max(
        0,
        ...[r.burst, r.rate, r.flood].map((p) => p?.other_frames?.[LATE_BROADCAST] ?? 0),
      );
      if (late > 0)
        found.push(`${where}: ${late} broadcast frames arrived after their phase ended`);
      if (r.connect && r.connect.failed > 0) {
        found.push(
          `${where}: ${r.connect.failed} connections failed: ${JSON.stringify(r.connect.failures)}`,
        );
      }
      const warnings = Object.entries(r.server?.warnings ?? {});
      if (warnings.length) {
        found.push(
          `${where}: server logged ${warnings.map(([m, n]) => `${n}x "${m}"`).join('; ')}`,
        );
      }
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const kinds = opts.only ? [opts.only] : ['ref', 'emithub'];
  if (kinds.includes('emithub') && !(await waitForBuild((t) => process.stderr.write(`${t}\n`)))) {
    process.stderr.write(
      'dist/main.js not found: build EmitHub first (npx nest build), or use `npm run bench`.\n',
    );
    process.exit(2);
  }
  const modes = [];
  if (!opts.skip.has('burst') || !opts.skip.has('rate')) modes.push('fanout');
  if (!opts.skip.has('publish')) modes.push('publish');
  if (!opts.skip.has('idle')) modes.push('idle');

  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gib: round1(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    ws: require('ws/package.json').version,
    emithub: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
  };
  const params = {
    ...Object.fromEntries(OPTIONS.map((o) => [o.name, opts[o.name]])),
    only: opts.only,
    skip: [...opts.skip],
  };
  const paramsLine = `${OPTIONS.map((o) => `--${o.name} ${opts[o.name]}`).join(' ')}${opts.only ? ` --only ${opts.only}` : ''}${opts.skip.size ? ` --skip ${[...opts.skip].join(',')}` : ''}`;
  process.stderr.write(
    `EmitHub fan-out benchmark on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n${paramsLine}\n`,
  );

  const started = Date.now();
  const results = {};
  for (const kind of kinds) {
    results[kind] = {};
    for (const mode of modes) results[kind][mode] = await runMode(kind, mode, opts);
  }
  const seconds = Math.round((Date.now() - started) / 1000);

  const table = renderTable(reportRows(opts), results);
  const found = problems(results);
  const report = [
    '',
    `EmitHub fan-out benchmark, ${new Date(started).toISOString()}, took ${seconds} s`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, ${machine.os}, Node ${machine.node}, ws ${machine.ws}`,
    `Parameters: ${paramsLine}`,
    '',
    table,
    '',
    found.length
      ? `Problems:\n${found.map((f) => `  - ${f}`).join('\n')}`
      : 'Problems: none (no loss, duplicates, reordering, crashes or server warnings).',
    '',
  ].join('\n');
  process.stdout.write(report);

  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const raw = {
    started_at: new Date(started).toISOString(),
    seconds,
    machine,
    params,
    results,
    problems: found,
    table,
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(raw, null, 2)}\n`);
  process.stdout.write(
    `Raw results: ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
