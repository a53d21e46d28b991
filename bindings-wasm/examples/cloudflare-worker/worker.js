// A Cloudflare Worker using credmint: mints (and caches) an access token with a
// service-account key held as a secret, and verifies Google ID tokens with
// keys fetched once per isolate and kept as fresh as Google's Cache-Control says.
//
//   GET /token          → {"expiresAt": …} (the token itself stays in the Worker)
//   GET /id-token?aud=A → {"idToken": …} minted for audience A
//   GET /verify?token=T&aud=A → the verified claims, or {"error": code}
//
// Deploy with `wrangler deploy` (wrangler.toml beside this file); set the key
// with `wrangler secret put SA_KEY_JSON`. Locally, `workerd serve` runs it
// against `credmint serve` (bindings-wasm/test/workerd.test.js).
import { CredmintError, ServiceAccountCredentials, ServiceAccountKey, TokenVerifier, warmUp } from 'credmint';

// V8 compiles WebAssembly lazily; compiling the first-token code here, at
// isolate startup, keeps that cost (about 10 ms of CPU) out of the first request.
warmUp();

let credentials = null; // per isolate: the token cache survives across requests

function credentialsFor(env) {
  if (!credentials) {
    const key = ServiceAccountKey.fromJSON(env.SA_KEY_JSON);
    credentials = new ServiceAccountCredentials(key, { fetch: (url, init) => fetch(url, init) });
  }
  return credentials;
}

const verifiers = new Map(); // per isolate and audience: the fetched keys survive across requests

function verifierFor(env, audience) {
  let verifier = verifiers.get(audience);
  if (!verifier) {
    verifier = new TokenVerifier('googleIdToken', { audience, keysUrl: env.JWKS_URL, fetch: (url, init) => fetch(url, init) });
    verifiers.set(audience, verifier);
  }
  return verifier;
}

const json = (body, status = 200) => new Response(JSON.stringify(body), {
  status, headers: { 'content-type': 'application/json' },
});

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/token') {
        const token = await credentialsFor(env).getAccessToken();
        return json({ expiresAt: token.expiresAt.toISOString(), length: token.token.length });
      }
      if (url.pathname === '/id-token') {
        const idToken = await credentialsFor(env).getIdToken(url.searchParams.get('aud'));
        return json({ idToken: idToken.token });
      }
      if (url.pathname === '/verify') {
        const claims = await verifierFor(env, url.searchParams.get('aud')).verify(url.searchParams.get('token'));
        return json({ claims });
      }
      return json({ error: 'not_found' }, 404);
    } catch (error) {
      if (error instanceof CredmintError) return json({ error: error.code, status: error.status }, 400);
      throw error;
    }
  },
};
