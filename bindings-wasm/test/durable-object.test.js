// Tokens for every isolate from one Durable Object (the example Worker in
// examples/token-cache-worker), in a real workerd with
// Durable Object storage on disk: concurrent requests make one token request
// per refresh window, and a restarted workerd serves the stored token without
// asking the provider again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEmulator, startTokenCacheWorkerd as startWorkerd } from './helpers.js';
const running = [];

after(async () => {
  for (const stop of running.reverse()) await stop();
});

async function token(base) {
  const answer = await (await fetch(base)).json();
  assert.ok(answer.digest, JSON.stringify(answer));
  return answer;
}

test('concurrent requests through the Durable Object: one token request per window', async () => {
  // IBM tokens of 12 s count as expired 10 s early: a refresh window of 2 s.
  const emulator = await startEmulator({ lifetime: 12 });
  running.push(() => emulator.stop());
  const dir = mkdtempSync(join(tmpdir(), 'credmint-do-'));
  running.push(async () => rmSync(dir, { recursive: true, force: true }));
  const workerd = await startWorkerd(dir, emulator.base);
  running.push(workerd.stop);
  const seen = new Map();
  const deadline = Date.now() + 9_000;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < deadline) {
      const { digest, expiresAt } = await token(workerd.base);
      assert.ok(expiresAt > Date.now() / 1000, 'never an expired token');
      seen.set(digest, expiresAt);
    }
  }));
  const requests = await emulator.requests('POST /identity/token');
  assert.equal(requests, seen.size, 'every token request served the fleet');
  const expiries = [...seen.values()].sort((a, b) => a - b);
  const gaps = expiries.slice(1).map((e, i) => e - expiries[i]);
  assert.ok(Math.min(...gaps) >= 2, `two refreshes in one window: ${gaps}`);
  assert.ok(requests >= 4 && requests <= 7, `${requests} token requests in 9 s of 2 s windows`);
});

test('a restarted workerd serves the stored token without a new token request', async () => {
  const emulator = await startEmulator();
  running.push(() => emulator.stop());
  const dir = mkdtempSync(join(tmpdir(), 'credmint-do-'));
  running.push(async () => rmSync(dir, { recursive: true, force: true }));
  let workerd = await startWorkerd(dir, emulator.base);
  const answers = await Promise.all(Array.from({ length: 50 }, () => token(workerd.base)));
  assert.equal(new Set(answers.map((a) => a.digest)).size, 1);
  await workerd.stop();
  workerd = await startWorkerd(dir, emulator.base);
  running.push(workerd.stop);
  const again = await token(workerd.base);
  assert.equal(again.digest, answers[0].digest, 'the same token, read from Durable Object storage');
  assert.equal(await emulator.requests('POST /identity/token'), 1);
});
