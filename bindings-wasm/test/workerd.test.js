// A real Cloudflare runtime: workerd serves the example Worker, which gets an
// access token from `credmint serve` over fetch, caches it, mints an ID token
// and verifies it. The test calls the Worker and checks the answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CI, startEmulator, startWorkerd } from './helpers.js';

let emulator;
let workerd;
let base;

before(async () => {
  emulator = await startEmulator();
  workerd = await startWorkerd(emulator);
  base = workerd.base;
});

after(async () => {
  await workerd?.stop();
  await emulator?.stop();
});

test('the Worker mints, caches and verifies through workerd', async () => {
  const first = await (await fetch(`${base}/token`)).json();
  assert.ok(first.length > 10, JSON.stringify(first));
  const expires = Date.parse(first.expiresAt);
  assert.ok(expires > Date.now() + 3500_000);
  const second = await (await fetch(`${base}/token`)).json();
  assert.equal(second.expiresAt, first.expiresAt, 'cached in the isolate');
  const { idToken } = await (await fetch(`${base}/id-token?aud=https://svc.example`)).json();
  assert.ok(idToken.split('.').length === 3);
  const verified = await (await fetch(`${base}/verify?aud=https://svc.example&token=${idToken}`)).json();
  assert.equal(verified.claims.email, CI);
  const refused = await (await fetch(`${base}/verify?aud=https://other.example&token=${idToken}`)).json();
  assert.equal(refused.error, 'audience_mismatch');
  for (let i = 0; i < 5; i += 1) {
    const again = await (await fetch(`${base}/verify?aud=https://svc.example&token=${idToken}`)).json();
    assert.equal(again.claims.email, CI);
  }
  const stats = await (await fetch(`${emulator.base}/_emulator/stats`)).json();
  // One fetch per audience's verifier in this isolate, not one per request.
  assert.equal(stats.requests['GET /oauth2/v3/certs'], 2, JSON.stringify(stats));
});
