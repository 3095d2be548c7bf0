'use strict';
/** Small helpers shared by the benchmark runner and the load generator. */
const http = require('node:http');

/** How the load generator files a broadcast frame of a phase that was already accounted. */
const LATE_BROADCAST = 'broadcast after its phase ended';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One HTTP request with a JSON body (or none). Never rejects: resolves
 * `{ status, body, text }` on an answer, `{ error }` on a network error or timeout.
 */
function requestJson(url, { method = 'GET', body, agent, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers =
      data === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) };
    let req;
    try {
      req = http.request(url, { method, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', (err) => resolve({ error: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            // not JSON: the caller sees `text`
          }
          resolve({ status: res.statusCode, body: json, text });
        });
      });
    } catch (err) {
      resolve({ error: err.message });
      return;
    }
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(data);
  });
}

/** A growable array of float samples (latencies in ms), cheap to fill millions of times. */
class Samples {
  constructor(capacity = 1024) {
    this.values = new Float64Array(Math.max(16, capacity));
    this.length = 0;
  }

  push(value) {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  /** Nearest-rank percentiles, in ms rounded to 0.01; null when there are no samples. */
  summary() {
    if (this.length === 0) return null;
    const sorted = this.values.slice(0, this.length).sort();
    const at = (p) =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
    const round = (v) => Math.round(v * 100) / 100;
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i];
    return {
      count: sorted.length,
      mean: round(sum / sorted.length),
      p50: round(at(50)),
      p95: round(at(95)),
      p99: round(at(99)),
      max: round(sorted[sorted.length - 1]),
    };
  }
}

module.exports = { LATE_BROADCAST, sleep, requestJson, Samples };
