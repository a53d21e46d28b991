// A real peer: the npm `jose` package verifies what credmint signs, and
// credmint verifies what jose signs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// jose by path: Deno, run from the repository root, resolves no bare npm names.
import * as jose from '../node_modules/jose/dist/webapi/index.js';
import * as credmint from '../dist/node.js';
import { VECTORS } from './helpers.js';

const keyFile = JSON.parse(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'));

for (const signing of ['auto', 'wasm']) {
  test(`jose verifies credmint's JWTs (${signing})`, async () => {
    const key = credmint.ServiceAccountKey.fromJSON(keyFile, { signing });
    const jwks = jose.createLocalJWKSet(key.jwks());
    const now = Math.floor(Date.now() / 1000);
    const { signedJwt } = await key.signJwt({ iss: key.clientEmail, aud: 'https://svc.example', iat: now, n: 7 });
    const { payload, protectedHeader } = await jose.jwtVerify(signedJwt, jwks, { audience: 'https://svc.example' });
    assert.equal(payload.n, 7);
    assert.equal(protectedHeader.kid, key.keyId);
    const selfSigned = await key.selfSignedJwt({ audience: 'https://pubsub.googleapis.com/' });
    assert.equal((await jose.jwtVerify(selfSigned, jwks)).payload.sub, key.clientEmail);
    const { signedBlob } = await key.signBlob(new TextEncoder().encode('blob'));
    const publicKey = await crypto.subtle.importKey('jwk', key.jwks().keys[0], { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    assert.ok(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, signedBlob, new TextEncoder().encode('blob')));
  });
}

test("credmint verifies jose's JWTs", async () => {
  const privateKey = await jose.importPKCS8(keyFile.private_key, 'RS256');
  const key = credmint.ServiceAccountKey.fromJSON(keyFile);
  const now = Math.floor(Date.now() / 1000);
  const token = await new jose.SignJWT({ email: 'a@b.c' })
    .setProtectedHeader({ alg: 'RS256', kid: key.keyId, typ: 'JWT' })
    .setIssuer('https://accounts.google.com').setAudience('https://svc.example')
    .setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
  const claims = credmint.verify(token, key.jwks(), { audience: 'https://svc.example', issuer: 'https://accounts.google.com' });
  assert.equal(claims.email, 'a@b.c');
  assert.throws(() => credmint.verify(token, key.jwks(), { audience: 'https://other' }),
    (e) => e instanceof credmint.CredmintError && e.code === 'audience_mismatch' && !e.message.includes(token));
  const expired = await new jose.SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: key.keyId })
    .setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(privateKey);
  assert.throws(() => credmint.verify(expired, key.jwks()), (e) => e.code === 'token_expired');
  const hs256 = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
  assert.throws(() => credmint.verify(hs256, key.jwks()), (e) => e.code === 'unsupported_algorithm');
});
