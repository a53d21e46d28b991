// The core's time limit of each request, applied by the package's fetch
// driver: against a loopback endpoint that accepts connections and never
// answers (or trickles its answer), conversations end in `transport_error`
// within the limits their requests carry, and callers waiting on the same
// cached refresh are released with its error as soon as it fails. The short
// limits come from the conformance flow's `request_timeout_millis` (the core's
// FlowOptions).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
// The test build: the package plus the conformance flows (bindings-wasm/build.sh).
import * as credmint from '../dist-test/node.js';
import { VECTORS } from './helpers.js';

const LIMIT = 300;
// Two attempts: 300 ms, a 1 s back-off (whole seconds: 0 to 1 s of it is waited), 300 ms.
const RETRY = { max_attempts: 2, initial_delay_secs: 1, max_delay_secs: 1, max_retry_after_secs: 60 };
const ONCE = { ...RETRY, max_attempts: 1 };
const SLACK = 1000; // scheduling on a busy 2-core machine

/** A TCP server that accepts and never writes, or (`trickle`) sends headers then a byte every 100 ms. */
function stalledServer({ trickle = false } = {}) {
  const sockets = new Set();
  const timers = new Set();
  const server = createServer((socket) => {
    server.accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    if (!trickle) return;
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
      const timer = setInterval(() => socket.write(' '), 100);
      timers.add(timer);
      socket.on('close', () => clearInterval(timer));
    });
  });
  server.accepted = 0;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    server.url = `http://127.0.0.1:${server.address().port}/token`;
    server.stop = () => new Promise((done) => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close(done);
    });
    resolve(server);
  }));
}

/** The JWT-bearer conversation to `tokenUri`, each request limited to `limit` ms. */
function grantSpec(tokenUri, { limit = LIMIT, retry = RETRY } = {}) {
  const key = JSON.parse(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'));
  key.token_uri = tokenUri;
  return JSON.stringify({
    kind: 'jwt_bearer', key: { text: JSON.stringify(key) }, scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    retry, jitter_seed: 0, request_timeout_millis: limit,
  });
}

const isTransportError = (error) => error instanceof credmint.CredmintError && error.code === 'transport_error'
  && error.retryable === true;

let stalled;
let trickling;
before(async () => { stalled = await stalledServer(); trickling = await stalledServer({ trickle: true }); });
after(async () => { await stalled.stop(); await trickling.stop(); });

test('a stalled endpoint ends in transport_error within the limit, each attempt', async () => {
  const accepted = stalled.accepted;
  const signals = [];
  const watching = (url, init) => { signals.push(init.signal); return fetch(url, init); };
  const started = performance.now();
  await assert.rejects(credmint.drive(credmint.conformance.flow(grantSpec(stalled.url)), { fetch: watching }),
    isTransportError);
  const elapsed = performance.now() - started;
  assert.equal(stalled.accepted - accepted, 2, 'both attempts reached the server');
  assert.ok(elapsed >= 2 * LIMIT - 20 && elapsed < 2 * LIMIT + 1000 + SLACK, String(elapsed));
  assert.equal(signals.length, 2);
  assert.ok(signals.every((signal) => signal instanceof AbortSignal && signal.aborted));
});

test('a fetch that ignores the signal is abandoned at the limit too', async () => {
  const deaf = () => new Promise(() => {});
  const started = performance.now();
  await assert.rejects(credmint.drive(credmint.conformance.flow(grantSpec(stalled.url, { retry: ONCE })), { fetch: deaf }),
    (error) => isTransportError(error) && error.message.includes(`within ${LIMIT} ms`));
  assert.ok(performance.now() - started < LIMIT + SLACK);
});

test('a trickling body is cut at the limit (the body read is covered)', async () => {
  const started = performance.now();
  await assert.rejects(
    credmint.drive(credmint.conformance.flow(grantSpec(trickling.url, { limit: 500, retry: ONCE }))), isTransportError,
  );
  assert.ok(performance.now() - started < 500 + SLACK);
});

test('a caller waiting on a stalled refresh gets its error, no later than the refresher', async () => {
  // The package's credentials cache (single flight) over the conformance conversation,
  // each refresh one attempt of 1.5 s: longer than the slack, so a second refresh would show.
  const limit = 1500;
  let refreshes = 0;
  class Stalled extends credmint.ServiceAccountCredentials {
    fetchAccessToken() {
      refreshes += 1;
      return this.drive(credmint.conformance.flow(grantSpec(stalled.url, { limit, retry: ONCE })));
    }
  }
  const key = credmint.ServiceAccountKey.fromJSON(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'));
  const credentials = new Stalled(key);
  const started = performance.now();
  const caller = () => credentials.getAccessToken().then(
    () => assert.fail('expected transport_error'),
    (error) => ({ error, at: performance.now() - started }),
  );
  const [refresher, waiter] = await Promise.all([caller(), caller()]);
  assert.ok(isTransportError(refresher.error), String(refresher.error));
  assert.equal(waiter.error, refresher.error, "the waiter gets the refresh's own error");
  assert.equal(refreshes, 1, 'one refresh for both callers');
  assert.ok(refresher.at >= limit - 20 && refresher.at < limit + SLACK, String(refresher.at));
  // Before the core's RefreshFailed the waiter refreshed again: another 1.5 s.
  assert.ok(waiter.at <= refresher.at + SLACK, `${waiter.at} vs ${refresher.at}`);
});
