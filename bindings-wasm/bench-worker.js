// The Worker that bench-workerd.js drives: GET /bench?op=OP&n=N runs OP N times
// in this isolate. Time is frozen inside a Worker, so the caller measures the
// CPU of the workerd process around each request and divides by N.
import { KeySet, ServiceAccountCredentials, ServiceAccountKey, verify, verifyAsync } from 'credmint';

const NOW = 1_700_000_000;
const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
let fixture = null;

async function setUp(env) {
  const keyFile = JSON.parse(env.SA_KEY_JSON);
  const webcrypto = ServiceAccountKey.fromJSON(env.SA_KEY_JSON);
  const wasm = ServiceAccountKey.fromJSON(env.SA_KEY_JSON, { signing: 'wasm' });
  const der = Uint8Array.from(atob(keyFile.private_key.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
  const subtleKey = await crypto.subtle.importKey('pkcs8', der, RS256, false, ['sign']);
  const assertion = {
    iss: keyFile.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform',
    aud: 'https://oauth2.googleapis.com/token', iat: NOW, exp: NOW + 3600,
  };
  const signingInput = new TextEncoder().encode(`eyJhbGciOiJSUzI1NiJ9.${btoa(JSON.stringify(assertion))}`);
  const idClaims = { iss: 'https://accounts.google.com', aud: 'https://svc.example', sub: '1234', iat: NOW, exp: NOW + 3600 };
  const { signedJwt: idToken } = await webcrypto.signJwt(idClaims, { now: NOW });
  const keySet = new KeySet(webcrypto.jwks());
  const canned = async () => new Response(JSON.stringify({ access_token: 'ya29.bench', expires_in: 3599, token_type: 'Bearer' }));
  const credentials = new ServiceAccountCredentials(webcrypto, { fetch: canned });
  const claims = { audience: 'https://svc.example', issuer: 'https://accounts.google.com', now: NOW };
  return {
    'assertion (WebCrypto)': () => webcrypto.signJwt(assertion, { now: NOW }),
    'assertion (wasm)': () => wasm.signJwt(assertion, { now: NOW }),
    'crypto.subtle.sign': () => crypto.subtle.sign(RS256, subtleKey, signingInput),
    'verify (WebCrypto)': () => verifyAsync(idToken, keySet, claims),
    'verify (wasm)': () => verify(idToken, keySet, claims),
    'cached getAccessToken()': () => credentials.getAccessToken(),
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/bench') return new Response('not found', { status: 404 });
    fixture ??= await setUp(env);
    const op = fixture[url.searchParams.get('op')];
    if (!op) return new Response(JSON.stringify(Object.keys(fixture)), { status: 400 });
    const n = Number(url.searchParams.get('n'));
    for (let i = 0; i < n; i += 1) await op();
    return new Response('ok');
  },
};
