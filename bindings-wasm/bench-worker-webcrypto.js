// The floor of bench-workerd.js: the example Worker's GET /token written with
// bare WebCrypto and fetch, no library. It reads the key file, imports the key,
// signs a JWT-bearer assertion, exchanges it at the key file's token_uri and
// keeps the token per isolate until five minutes before it expires.
const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const encoder = new TextEncoder();
let cached = null;

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encodeJson = (value) => base64url(encoder.encode(JSON.stringify(value)));

async function mint(env) {
  const keyFile = JSON.parse(env.SA_KEY_JSON);
  const der = Uint8Array.from(atob(keyFile.private_key.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('pkcs8', der, RS256, false, ['sign']);
  const now = Math.floor(Date.now() / 1000);
  const input = `${encodeJson({ alg: 'RS256', typ: 'JWT', kid: keyFile.private_key_id })}.${encodeJson({
    iss: keyFile.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform',
    aud: keyFile.token_uri, iat: now, exp: now + 3600,
  })}`;
  const signature = new Uint8Array(await crypto.subtle.sign(RS256, key, encoder.encode(input)));
  const response = await fetch(keyFile.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${input}.${base64url(signature)}`,
    }),
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
