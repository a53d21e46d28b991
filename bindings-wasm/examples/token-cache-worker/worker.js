// One token for every isolate of a Worker: a Durable Object (credmint's
// TokenCacheObject) refreshes the token once per window and keeps it sealed
// in its storage; every isolate asks it instead of the provider.
//
//   GET / → {"digest": sha256 of the token, "expiresAt": Unix seconds}
//
// Configure (wrangler.toml beside this file): the credential document as the
// secret CREDMINT_CREDENTIALS (`wrangler secret put CREDMINT_CREDENTIALS`,
// any type credmint reads: a service-account key, an ibm_api_key document …)
// and 32 random bytes, base64, as CREDMINT_CACHE_SECRET. Locally, workerd runs
// it against `credmint serve` (bindings-wasm/test/durable-object.test.js).
import { TokenCacheObject, tokenFromDurableObject } from 'credmint';

// The Durable Object class, bound as TOKENS in wrangler.toml.
export class Tokens extends TokenCacheObject {}

export default {
  async fetch(request, env) {
    try {
      const token = await tokenFromDurableObject(env.TOKENS);
      // Use the token here (an Authorization header); this example shows only its digest.
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token.token)));
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      return Response.json({ digest: hex, expiresAt: token.expiresAt.getTime() / 1000 });
    } catch (error) {
      return Response.json({ error: error.code ?? 'transport_error' }, { status: 502 });
    }
  },
};
