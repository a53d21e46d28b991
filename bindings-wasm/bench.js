// credmint (WebCrypto path and pure-wasm path) vs jose vs raw crypto.subtle,
// one run in Node: signing a service-account assertion, the first token from a
// JSON key, verifying an ID token with claims, a cached getAccessToken(), and
// module instantiation; the last column is credmint (WebCrypto) against jose.
// `make bench-js`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import * as credmint from './dist/node.js';

const keyText = readFileSync(new URL('../tests/vectors/keys/sa_2048_pkcs8.json', import.meta.url), 'utf8');
const keyFile = JSON.parse(keyText);
const now = Math.floor(Date.now() / 1000);
const assertion = { iss: keyFile.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: 'https://oauth2.googleapis.com/token', iat: now, exp: now + 3600 };

async function medianMicros(call, { seconds = 1, min = 20 } = {}) {
  await call();
  const samples = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || samples.length < min) {
    const started = performance.now();
    await call();
    samples.push((performance.now() - started) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const results = {};
const row = (name, values) => { results[name] = values; };

// (a) assertion, key loaded
const webcryptoKey = credmint.ServiceAccountKey.fromJSON(keyText);
const wasmKey = credmint.ServiceAccountKey.fromJSON(keyText, { signing: 'wasm' });
const josePrivate = await jose.importPKCS8(keyFile.private_key, 'RS256');
const subtleKey = await crypto.subtle.importKey('pkcs8', Buffer.from(keyFile.private_key.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
  { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
const signingInput = new TextEncoder().encode('eyJhbGciOiJSUzI1NiJ9.' + Buffer.from(JSON.stringify(assertion)).toString('base64url'));
row('assertion, key loaded', {
  'credmint (WebCrypto)': await medianMicros(() => webcryptoKey.signJwt(assertion, { now })),
  'credmint (wasm)': await medianMicros(() => wasmKey.signJwt(assertion, { now }), { seconds: 2, min: 5 }),
  jose: await medianMicros(() => new jose.SignJWT(assertion).setProtectedHeader({ alg: 'RS256', kid: keyFile.private_key_id }).sign(josePrivate)),
  'crypto.subtle': await medianMicros(() => crypto.subtle.sign('RSASSA-PKCS1-v1_5', subtleKey, signingInput)),
});

// first token from a JSON key: parse + import + sign
row('first assertion from a JSON key', {
  'credmint (WebCrypto)': await medianMicros(() => credmint.ServiceAccountKey.fromJSON(keyText).signJwt(assertion, { now })),
  'credmint (wasm)': await medianMicros(() => credmint.ServiceAccountKey.fromJSON(keyText, { signing: 'wasm' }).signJwt(assertion, { now }), { seconds: 2, min: 5 }),
  jose: await medianMicros(async () => new jose.SignJWT(assertion).setProtectedHeader({ alg: 'RS256' }).sign(await jose.importPKCS8(keyFile.private_key, 'RS256'))),
  'crypto.subtle': null,
});

// (b) verify an ID token with claims
const idClaims = { iss: 'https://accounts.google.com', aud: 'https://svc.example', sub: '1234', email: 'a@b.c', iat: now, exp: now + 3600 };
const { signedJwt: idToken } = await webcryptoKey.signJwt(idClaims, { now });
const keySet = new credmint.KeySet(webcryptoKey.jwks());
const joseJwks = jose.createLocalJWKSet(webcryptoKey.jwks());
row('verify ID token with claims', {
  'credmint (WebCrypto)': await medianMicros(() => credmint.verifyAsync(idToken, keySet, { audience: 'https://svc.example', issuer: 'https://accounts.google.com' })),
  'credmint (wasm)': await medianMicros(() => credmint.verify(idToken, keySet, { audience: 'https://svc.example', issuer: 'https://accounts.google.com' })),
  jose: await medianMicros(() => jose.jwtVerify(idToken, joseJwks, { audience: 'https://svc.example', issuer: 'https://accounts.google.com' })),
  'crypto.subtle': null,
});

// (c) cached getAccessToken()
const canned = async () => new Response(JSON.stringify({ access_token: 'ya29.bench', expires_in: 3599, token_type: 'Bearer' }),
  { headers: { 'content-type': 'application/json' } });
const credentials = new credmint.ServiceAccountCredentials(webcryptoKey, { fetch: canned });
await credentials.getAccessToken();
row('cached getAccessToken()', {
  'credmint (WebCrypto)': await medianMicros(() => credentials.getAccessToken()),
  'credmint (wasm)': null, jose: null, 'crypto.subtle': null,
});

// (d) module instantiation, fresh process
const instantiation = [];
for (let i = 0; i < 7; i += 1) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    `const t = performance.now(); await import(${JSON.stringify(new URL('./dist/node.js', import.meta.url).href)}); console.log(performance.now() - t);`]);
  instantiation.push(Number(String(out).trim()));
}
instantiation.sort((a, b) => a - b);

const columns = ['credmint (WebCrypto)', 'credmint (wasm)', 'jose', 'crypto.subtle'];
const cell = (v) => (v === null || v === undefined ? '—' : v >= 100 ? `${Math.round(v).toLocaleString('en')} µs` : `${v.toFixed(1)} µs`);
const ratio = (values) => (values.jose ? `${(values['credmint (WebCrypto)'] / values.jose).toFixed(2)}×` : '—');
console.log(`| | ${columns.join(' | ')} | credmint (WebCrypto) × jose |`);
console.log(`|---|${columns.map(() => '---:').join('|')}|---:|`);
for (const [name, values] of Object.entries(results)) console.log(`| ${name} | ${columns.map((c) => cell(values[c])).join(' | ')} | ${ratio(values)} |`);
console.log(`\nimport + instantiate the package (fresh process, median of 7): ${instantiation[3].toFixed(1)} ms`);
const wasm = readFileSync(new URL('./dist/credmint_wasm_bg.wasm', import.meta.url));
const { gzipSync } = await import('node:zlib');
console.log(`credmint_wasm_bg.wasm: ${wasm.length.toLocaleString('en')} bytes, ${gzipSync(wasm, { level: 9 }).length.toLocaleString('en')} gzipped; Node ${process.version}`);
