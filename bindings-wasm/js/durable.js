// The Durable Object that serves one credential's tokens to every isolate of
// a Worker (Cloudflare Workers / workerd), and the call isolates make to it.
import { Credentials } from './api.js';
import { CredmintError } from './errors.js';
import { DurableObjectTokenStore } from './shared.js';

/**
 * A Durable Object class serving tokens: export it from your Worker (or a
 * subclass overriding `credentials(env)`), bind it as a Durable Object
 * namespace, and call `tokenFromDurableObject(env.TOKENS)` from any isolate.
 * By default it reads the credential document from `env.CREDMINT_CREDENTIALS`
 * and the cache secret (base64, 32 bytes or more) from `env.CREDMINT_CACHE_SECRET`.
 * Its tokens are cached in memory and sealed in its storage, so a restarted
 * object serves the same token without asking the provider again.
 */
export class TokenCacheObject {
  #state;
  #env;
  #credentials = null;

  constructor(state, env) {
    this.#state = state;
    this.#env = env;
  }

  /** The credentials this object serves (override to build them otherwise). */
  credentials(env) {
    return Credentials.fromJson(env.CREDMINT_CREDENTIALS);
  }

  #shared() {
    if (!this.#credentials) {
      const store = new DurableObjectTokenStore(this.#state.storage, { secret: this.#env.CREDMINT_CACHE_SECRET });
      this.#credentials = this.credentials(this.#env).withTokenStore(store);
    }
    return this.#credentials;
  }

  /** `GET /token` (access token) or `GET /token?audience=A` (ID token): `{token, expiresAt}` (Unix seconds). */
  async fetch(request) {
    try {
      const audience = new URL(request.url).searchParams.get('audience');
      const credentials = this.#shared();
      const token = audience === null ? await credentials.getAccessToken() : await credentials.getIdToken(audience);
      return Response.json({ token: token.token, expiresAt: Math.floor(token.expiresAt.getTime() / 1000) });
    } catch (error) {
      const code = error instanceof CredmintError ? error.code : 'transport_error';
      const retryable = error instanceof CredmintError ? error.retryable : true;
      return Response.json({ error: code, message: String(error?.message ?? error), retryable }, { status: 502 });
    }
  }
}

/**
 * A token `{token, expiresAt}` from the `TokenCacheObject` named `name` in
 * `namespace` (an access token, or an ID token for `audience`); failures come
 * back as `CredmintError` with the object's code.
 */
export async function tokenFromDurableObject(namespace, { name = 'credmint', audience } = {}) {
  const stub = namespace.get(namespace.idFromName(name));
  const query = audience === undefined ? '' : `?audience=${encodeURIComponent(audience)}`;
  let answer;
  let body;
  try {
    answer = await stub.fetch(`https://token-cache.credmint/token${query}`);
    body = await answer.json();
  } catch (error) {
    throw new CredmintError(`the token cache object did not answer: ${String(error?.message ?? error).slice(0, 200)}`,
      'transport_error', undefined, true);
  }
  if (!answer.ok) throw new CredmintError(String(body?.message), String(body?.error), undefined, Boolean(body?.retryable));
  const token = { token: body.token, expiresAt: new Date(body.expiresAt * 1000) };
  Object.defineProperty(token, 'toString', { value: () => `AccessToken([redacted], expires ${token.expiresAt.toISOString()})` });
  Object.defineProperty(token, 'toJSON', { value: () => ({ token: '[redacted]', expiresAt: token.expiresAt.toISOString() }) });
  return token;
}
