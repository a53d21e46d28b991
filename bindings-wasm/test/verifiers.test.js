// The core's ready verifiers through the package against `credmint serve`:
// Google ID tokens with one fetch for sixteen concurrent verifications, IAP's
// ES256 assertions (jose agrees), a KV-like store seeding a fresh verifier,
// typed errors for bad options and forged kids.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// jose by path: Deno, run from the repository root, resolves no bare npm names.
import * as jose from '../node_modules/jose/dist/webapi/index.js';
const credmint = await import(process.env.CREDMINT_ENTRY ?? '../dist/node.js');
import { CI, startEmulator } from './helpers.js';

const IAP_AUDIENCE = '/projects/123/global/backendServices/456';
let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator.stop(); });

function counting() {
  const fetches = [];
  const fetchFn = (url, init) => { fetches.push(String(url)); return fetch(url, init); };
  return { fetches, fetchFn };
}

async function iapAssertion(email = 'user@example.com') {
  const answer = await fetch(`${emulator.base}/_emulator/iap/assertion`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ audience: IAP_AUDIENCE, email }),
  });
  return (await answer.json()).assertion;
}

test('Google ID tokens: sixteen concurrent verifications on a cold verifier, one fetch', async () => {
  const key = credmint.ServiceAccountKey.fromJSON(emulator.keyFile(CI));
  const idToken = await new credmint.ServiceAccountCredentials(key).getIdToken('https://svc.example');
  const { fetches, fetchFn } = counting();
  const options = { audience: 'https://svc.example', keysUrl: `${emulator.base}/oauth2/v3/certs`, fetch: fetchFn };
  const all = await Promise.all(Array.from({ length: 16 }, () => credmint.verifyGoogleIdToken(idToken.token, options)));
  assert.ok(all.every((claims) => claims.email === CI && claims.aud === 'https://svc.example'));
  assert.deepEqual(fetches, [`${emulator.base}/oauth2/v3/certs`]);
  await assert.rejects(
    credmint.verifyGoogleIdToken(idToken.token, { ...options, audience: 'https://other.example' }),
    (error) => error.code === 'audience_mismatch',
  );
});

test('IAP assertions (ES256) verify, and jose agrees', async () => {
  const keysUrl = `${emulator.base}/iap/verify/public_key-jwk`;
  const assertion = await iapAssertion();
  const claims = await credmint.verifyIapAssertion(assertion, { audience: IAP_AUDIENCE, keysUrl });
  assert.equal(claims.iss, 'https://cloud.google.com/iap');
  const peer = await jose.jwtVerify(assertion, jose.createRemoteJWKSet(new URL(keysUrl)), {
    audience: IAP_AUDIENCE, issuer: 'https://cloud.google.com/iap', algorithms: ['ES256'],
  });
  assert.deepEqual(peer.payload, claims);
  const [header, payload, signature] = assertion.split('.');
  const tampered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  await assert.rejects(credmint.verifyIapAssertion(tampered, { audience: IAP_AUDIENCE, keysUrl }),
    (error) => error.code === 'signature_invalid');
  await assert.rejects(jose.jwtVerify(tampered, jose.createRemoteJWKSet(new URL(keysUrl))));
  const forged = `${Buffer.from('{"alg":"ES256","kid":"forged"}').toString('base64url')}.${payload}.${signature}`;
  await assert.rejects(credmint.verifyIapAssertion(forged, { audience: IAP_AUDIENCE, keysUrl }),
    (error) => error.code === 'key_not_found');
});

test('a store seeds a fresh verifier without a fetch', async () => {
  const saved = new Map();
  const store = { get: async () => saved.get('keys') ?? null, put: async (text) => { saved.set('keys', text); } };
  const keysUrl = `${emulator.base}/iap/verify/public_key-jwk`;
  const assertion = await iapAssertion();
  const first = counting();
  const one = new credmint.TokenVerifier('iap', { audience: IAP_AUDIENCE, keysUrl, store, fetch: first.fetchFn });
  await one.verify(assertion);
  assert.equal(first.fetches.length, 1);
  assert.equal(saved.get('keys'), one.snapshot());
  const second = counting();
  const two = new credmint.TokenVerifier('iap', { audience: IAP_AUDIENCE, keysUrl, store, fetch: second.fetchFn });
  assert.equal((await two.verify(assertion)).email, 'user@example.com');
  assert.equal(second.fetches.length, 0, 'the snapshot from the store was enough');
});

test('bad options are typed errors', () => {
  for (const [preset, options] of [
    ['nope', { audience: 'x' }],
    ['googleIdToken', {}],
    ['iap', { audience: ['/projects/1/apps/a', '/projects/1/apps/b'] }],
    ['googleIdToken', { audience: 'x', colour: 'red' }],
  ]) {
    assert.throws(() => new credmint.TokenVerifier(preset, options), (error) => error.code === 'invalid_argument', preset);
  }
});
