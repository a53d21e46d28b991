// The peer of bench-workerd.js: the example Worker's GET /token written with
// jose 6 (its WebCrypto build) and fetch. Same job as the floor
// (bench-worker-webcrypto.js): key file → imported key → signed assertion →
// token endpoint → token kept per isolate until five minutes before expiry.
import { importPKCS8, SignJWT } from './jose/index.js';

let cached = null;

async function mint(env) {
  const keyFile = JSON.parse(env.SA_KEY_JSON);
  const key = await importPKCS8(keyFile.private_key, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ scope: 'https://www.googleapis.com/auth/cloud-platform' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keyFile.private_key_id })
    .setIssuer(keyFile.client_email).setAudience(keyFile.token_uri)
    .setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(key);
  const response = await fetch(keyFile.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const answer = await response.json();
  return { token: answer.access_token, expiresAt: new Date((now + answer.expires_in) * 1000) };
}

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/token') return new Response('{"error":"not_found"}', { status: 404 });
    if (!cached || cached.expiresAt.getTime() - 300_000 <= Date.now()) cached = await mint(env);
    return Response.json({ expiresAt: cached.expiresAt.toISOString(), length: cached.token.length });
  },
};
