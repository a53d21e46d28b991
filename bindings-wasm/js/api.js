// The npm package's API over the WebAssembly core. Transport is `fetch`
// (per object, never called with a borrowed `this`), the clock is Date.now(),
// and RSA signing goes to WebCrypto when the runtime has it; every protocol
// rule (requests, their time limits, parsing, retries, caching decisions) is
// the core's.
import * as native from './credmint_wasm.js';
import { CredmintError, setFamilyOf } from './errors.js';
import { host } from './host.js';
import { SharedTokens } from './shared.js';

export { DurableObjectTokenStore, MemoryTokenStore } from './shared.js';

export { CredmintError };

// Errors the package raises itself get their family from the core too.
setFamilyOf((code) => native.errorFamily(String(code)));

const REDACTED = Symbol.for('nodejs.util.inspect.custom');

/** Whole Unix seconds now. */
const nowSecs = () => Math.floor(Date.now() / 1000);

function invalid(message) {
  return new CredmintError(message, 'invalid_argument', undefined, false);
}

// Strings the core parses go in as UTF-8 bytes: TextEncoder is native code, while
// wasm-bindgen copies a string character by character in JavaScript, which a
// fresh isolate interprets (0.58 ms for a key file in Node 20, against 0.05 ms).
const ENCODER = new TextEncoder();
function utf8(text) {
  if (typeof text !== 'string') throw invalid(`expected a string, got ${typeof text}`);
  return ENCODER.encode(text);
}

const keyRejected = () => new CredmintError(
  'WebCrypto refused the private key, or it does not match its public key', 'invalid_key', undefined, false,
);

/**
 * Runs the key-file, JWT and token-response code once on placeholder data, so
 * that V8 compiles it now rather than in the first real call (the workerd
 * entry does this at isolate startup). Returns whether the whole path ran.
 */
export function warmUp() {
  return native.warmUp();
}

// ------------------------------------------------------------------ transport

/** The default transport: the global fetch, called without a receiver. */
const globalFetch = (url, init) => globalThis.fetch(url, init);

async function readLimited(response) {
  const limit = native.maxResponseBody();
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** An AbortSignal that fires after `millis`, and how to release its timer. */
function timeLimit(millis) {
  if (typeof AbortSignal.timeout === 'function') return { signal: AbortSignal.timeout(millis), release() {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), millis);
  return { signal: controller.signal, release: () => clearTimeout(timer) };
}

/**
 * One request, bounded as a whole by `timeoutMillis` (the core's limit for
 * it): fetch and body read share one AbortSignal, and the exchange is raced
 * against it too, so a `fetch` that ignores the signal cannot hold the caller.
 * Resolves to `[status, [[name, value], …], body]`.
 */
async function exchange(fetch, url, init, timeoutMillis) {
  const { signal, release } = timeLimit(timeoutMillis);
  let onAbort;
  const expired = new Promise((_, reject) => {
    onAbort = () => reject(new Error(`no complete answer within ${timeoutMillis} ms`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const work = (async () => {
    const response = await fetch(url, { ...init, signal });
    const pairs = [];
    response.headers.forEach((value, name) => pairs.push([name, value]));
    return [response.status, pairs, await readLimited(response)];
  })();
  work.catch(() => {}); // after the deadline its failure is no longer anyone's
  try {
    return await Promise.race([work, expired]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    release();
  }
}

/**
 * Drives a core conversation to its next `done`: sends with `fetch` (each
 * request abandoned at its time limit, then reported as a transport error),
 * waits out backoffs, answers `sign` steps with `sign(keyId, bytes)`, and
 * `read_file`, `read_env` and `run` steps with the host's file system,
 * environment and processes (where it has them: not Workers or browsers).
 */
export async function drive(conversation, { fetch = globalFetch, sign } = {}) {
  for (;;) {
    const step = conversation.poll(nowSecs());
    switch (step[0]) {
      case 'send': {
        const [, method, url, headers, body, timeoutMillis] = step;
        let answer;
        try {
          answer = await exchange(fetch, url, {
            method,
            headers,
            body: method === 'GET' ? undefined : body,
            redirect: 'manual',
          }, timeoutMillis);
        } catch (error) {
          conversation.feedTransportError(String(error?.message ?? error).slice(0, 300));
          break;
        }
        conversation.feedResponse(...answer);
        break;
      }
      case 'wait':
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, step[1] * 1000 - Date.now())));
        break;
      case 'read_file':
        await answerRead(conversation, step[1], step[2]);
        break;
      case 'read_env':
        conversation.feedHost('env', host.env?.(step[1]));
        break;
      case 'run':
        if (!host.run) conversation.feedHost('not_started', 'this platform runs no commands (Workers, browsers)');
        else conversation.feedHost(...(await host.run(step[1], step[2], step[3], step[4])));
        break;
      case 'sign':
        if (!sign) throw invalid('this conversation needs a signer');
        conversation.feedSignature(await sign(step[1], step[2]));
        break;
      default:
        return step[1];
    }
  }
}

/** Answers a `read_file` step: the bytes (at most `most`), missing, or the host's error code. */
async function answerRead(conversation, path, most) {
  if (!host.readFile) {
    conversation.feedHost('unreadable', 'this platform has no file system (Workers, browsers)');
    return;
  }
  let contents;
  try {
    contents = await host.readFile(path, most);
  } catch (error) {
    if (error?.code === 'ENOENT' || error?.name === 'NotFound') conversation.feedHost('missing');
    else conversation.feedHost('unreadable', String(error?.code ?? error?.name ?? 'unreadable'));
    return;
  }
  conversation.feedHost('file', undefined, contents);
}

// ------------------------------------------------------------------ keys

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
/** WebCrypto's names for the JWS algorithms the core verifies: import, then verify. */
const WEBCRYPTO = {
  RS256: { importAs: RS256, verifyAs: RS256 },
  ES256: { importAs: { name: 'ECDSA', namedCurve: 'P-256' }, verifyAs: { name: 'ECDSA', hash: 'SHA-256' } },
};

/** `signing`: `'auto'` (WebCrypto where the runtime has it), `'webcrypto'` or `'wasm'`. */
function signsWithWebCrypto(signing = 'auto') {
  if (!['auto', 'webcrypto', 'wasm'].includes(signing)) throw invalid('signing must be auto, webcrypto or wasm');
  const subtle = signing !== 'wasm' && Boolean(globalThis.crypto?.subtle);
  if (signing === 'webcrypto' && !subtle) throw invalid('this host has no WebCrypto');
  return subtle;
}

/** A Google service-account key: signs JWTs and blobs as the account does. */
export class ServiceAccountKey {
  #native;
  #signing;
  #cryptoKey = null;
  #checked = null;

  constructor(nativeKey, signing) {
    this.#native = nativeKey;
    this.#signing = signing;
  }

  /**
   * Reads a key file (JSON text or the parsed object). `signing`: `'auto'`
   * (WebCrypto when available), `'webcrypto'` or `'wasm'`.
   */
  static fromJSON(textOrObject, { signing = 'auto' } = {}) {
    const subtle = signsWithWebCrypto(signing);
    const text = typeof textOrObject === 'string' ? textOrObject : JSON.stringify(textOrObject);
    // With WebCrypto the key is checked by the core but only imported into
    // WebCrypto: no RSA arithmetic in wasm (the cold-start cost in Workers).
    const nativeKey = subtle
      ? native.ServiceAccountKey.fromJSONForKeystore(utf8(text))
      : native.ServiceAccountKey.fromJSON(utf8(text));
    return new ServiceAccountKey(nativeKey, subtle ? 'webcrypto' : 'wasm');
  }

  get clientEmail() { return this.#native.clientEmail; }
  get keyId() { return this.#native.keyId; }
  get projectId() { return this.#native.projectId; }
  get tokenUri() { return this.#native.tokenUri; }
  get universeDomain() { return this.#native.universeDomain; }
  /** @internal */ get native() { return this.#native; }

  /** The non-extractable WebCrypto key, imported once (null: sign in wasm). */
  #webCryptoKey() {
    if (this.#signing === 'wasm') return null;
    if (!this.#cryptoKey) {
      const der = this.#native.pkcs8Der();
      this.#cryptoKey = globalThis.crypto.subtle.importKey('pkcs8', der, RS256, false, ['sign'])
        .catch(() => { throw keyRejected(); })
        .finally(() => der.fill(0));
    }
    return this.#cryptoKey;
  }

  /**
   * The first WebCrypto signature is checked against the key file's public key
   * (a pairwise consistency test): a key with bad CRT values fails here with
   * `invalid_key`, as it fails on load when wasm signs.
   */
  async #checkOnce(bytes, signature) {
    this.#checked ??= (async () => {
      const subtle = globalThis.crypto.subtle;
      const jwk = this.jwks().keys[0];
      const publicKey = await subtle.importKey('jwk', jwk, RS256, false, ['verify']);
      if (!(await subtle.verify(RS256, publicKey, signature, bytes))) throw keyRejected();
    })();
    return this.#checked;
  }

  /** RSASSA-PKCS1-v1_5 SHA-256 over `bytes`. */
  async sign(bytes) {
    const key = await this.#webCryptoKey();
    if (!key) return this.#native.signBlob(bytes);
    let signature;
    try {
      signature = new Uint8Array(await globalThis.crypto.subtle.sign(RS256, key, bytes));
    } catch {
      throw keyRejected(); // Deno parses an imported key at its first use
    }
    await this.#checkOnce(bytes, signature);
    return signature;
  }

  /** A signer for conversations that ask for signatures by this key. */
  signer() {
    return (keyId, bytes) => {
      if (keyId !== this.keyId) throw invalid('asked to sign with another key');
      return this.sign(bytes);
    };
  }

  /** Whether conversations should ask this key for signatures (WebCrypto) rather than sign in wasm. */
  usesWebCrypto() {
    return this.#signing === 'webcrypto';
  }

  /** Signs `claims` as IAM signJwt does: `exp` defaults to now + 1 h, at most now + 12 h. */
  async signJwt(claims, { now = nowSecs() } = {}) {
    const unsigned = this.#native.unsignedJwt(JSON.stringify(claims), now);
    const signedJwt = unsigned.attach(await this.sign(unsigned.signingInput));
    return { keyId: this.keyId, signedJwt };
  }

  /** Signs bytes as IAM signBlob does. */
  async signBlob(bytes) {
    return { keyId: this.keyId, signedBlob: await this.sign(bytes) };
  }

  /** The public key as a JWK Set. */
  jwks() {
    return JSON.parse(this.#native.jwksJSON());
  }

  /** A self-signed JWT access token (AIP-4111) for `audience` or `scopes`. */
  async selfSignedJwt({ audience, scopes, now = nowSecs() } = {}) {
    const unsigned = this.#native.unsignedSelfSignedJwt(
      audience ?? undefined, scopes ? JSON.stringify(scopes) : undefined, now,
    );
    return unsigned.attach(await this.sign(unsigned.signingInput));
  }

  toString() { return `ServiceAccountKey(${this.clientEmail}, key ${this.keyId})`; }
  toJSON() { return { clientEmail: this.clientEmail, keyId: this.keyId }; }
  [REDACTED]() { return this.toString(); }
}

// ------------------------------------------------------------------ verify

/** Verification keys parsed once: a JWKS, Google's X.509 map or PEM. */
export class KeySet {
  #native;
  #cryptoKeys = new Map();

  constructor(keys) {
    const text = typeof keys === 'string' ? keys : JSON.stringify(keys);
    this.#native = new native.KeySet(utf8(text));
  }

  get size() { return this.#native.size; }
  jwks() { return JSON.parse(this.#native.jwksJSON()); }
  /** @internal */ get native() { return this.#native; }

  /** @internal WebCrypto keys imported for this set's pending checks. */
  get cryptoKeys() { return this.#cryptoKeys; }
}

/** The WebCrypto key for a pending check, imported once per key (a few per issuer: at most 32 kept). */
function cryptoKeyFor(cache, pending) {
  const ref = pending.keyRef;
  let key = cache.get(ref);
  if (!key) {
    if (cache.size >= 32) cache.clear();
    key = globalThis.crypto.subtle.importKey(
      'jwk', JSON.parse(pending.jwkJSON), WEBCRYPTO[pending.alg].importAs, false, ['verify'],
    );
    cache.set(ref, key);
  }
  return key;
}

/** A pending check finished with WebCrypto's verdict: the claims. */
async function finishWithWebCrypto(pending, cache, now) {
  let valid;
  try {
    valid = await globalThis.crypto.subtle.verify(
      WEBCRYPTO[pending.alg].verifyAs, await cryptoKeyFor(cache, pending), pending.signature, pending.signingInput,
    );
  } catch {
    // This host's WebCrypto refuses a key the core accepts (Deno's stops at
    // 4096-bit RSA): the signature is checked in wasm instead, same verdict.
    return JSON.parse(pending.finishInWasm(now));
  }
  return JSON.parse(pending.finish(valid, now));
}

const list = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/**
 * Verifies an RS256 or ES256 JWT (signature first, then exp/nbf/iat, aud,
 * iss) and returns its claims.
 */
export function verify(token, keys, { audience, issuer, leeway, maxLifetime, now = nowSecs() } = {}) {
  const keySet = keys instanceof KeySet ? keys : new KeySet(keys);
  const claims = keySet.native.verify(
    utf8(token), JSON.stringify(list(audience)), JSON.stringify(list(issuer)), leeway ?? undefined, maxLifetime ?? undefined, now,
  );
  return JSON.parse(claims);
}

/**
 * `verify` with the signature checked by WebCrypto (faster than wasm crypto in JS
 * runtimes); the same checks, order and errors. Falls back to `verify` where
 * the runtime has no WebCrypto. Pass a `KeySet` to reuse imported keys.
 */
export async function verifyAsync(token, keys, { audience, issuer, leeway, maxLifetime, now } = {}) {
  const keySet = keys instanceof KeySet ? keys : new KeySet(keys);
  if (!globalThis.crypto?.subtle) return verify(token, keySet, { audience, issuer, leeway, maxLifetime, now });
  const pending = keySet.native.prepare(
    utf8(token), JSON.stringify(list(audience)), JSON.stringify(list(issuer)), leeway ?? undefined, maxLifetime ?? undefined,
  );
  return finishWithWebCrypto(pending, keySet.cryptoKeys, now ?? nowSecs());
}

// ------------------------------------------------------------------ ready verifiers

/** The core's option names for the package's camelCase ones. */
const VERIFIER_OPTIONS = { audience: 'audience', projectId: 'project_id', email: 'email', issuer: 'issuer', keysUrl: 'keys_url' };

/**
 * A verifier of one issuer's tokens (a core preset: `googleIdToken`,
 * `firebase`, `serviceAccount`, `ibmIam`, `iap`, `oidc`) with its own remote
 * key set. Every decision (key URL, issuers, algorithm, lifetime, how long
 * fetched keys stay fresh, one refetch per cooldown for unknown `kid`s,
 * stale keys while the endpoint fails) is the core's.
 *
 * Per-request safe on Workers: a request never awaits a promise another
 * request created; while another request fetches, it polls the shared state.
 * `store` (`{ get(): Promise<string|null>, put(text): Promise<void> }`, such
 * as a Workers KV namespace wrapper) persists the fetched keys across isolates.
 */
export class TokenVerifier {
  #native;
  #fetch;
  #store;
  #saved = null;
  #cryptoKeys = new Map();

  constructor(preset, { fetch = globalFetch, store, ...options } = {}) {
    const core = {};
    for (const [name, value] of Object.entries(options)) {
      if (!(name in VERIFIER_OPTIONS)) throw invalid(`unknown verifier option ${JSON.stringify(name)}`);
      if (value !== undefined && value !== null) core[VERIFIER_OPTIONS[name]] = value;
    }
    const corePreset = preset.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    this.#native = new native.TokenVerifier(corePreset, JSON.stringify(core));
    this.#fetch = fetch;
    this.#store = store;
  }

  /**
   * The verified claims; rejects with the typed `CredmintError` otherwise.
   * The signature is checked by WebCrypto where the runtime has it.
   */
  async verify(token) {
    if (this.#store && this.#native.snapshot() === undefined) await this.#restoreFromStore();
    let claims;
    if (globalThis.crypto?.subtle) {
      const pending = await drive(this.#native.prepare(utf8(token)), { fetch: this.#fetch });
      claims = await finishWithWebCrypto(pending, this.#cryptoKeys, nowSecs());
    } else {
      claims = JSON.parse(await drive(this.#native.verify(utf8(token)), { fetch: this.#fetch }));
    }
    if (this.#store) await this.#saveToStore();
    return claims;
  }

  /** The fetched keys as JSON text (undefined before a fetch), to persist. */
  snapshot() { return this.#native.snapshot(); }

  /** Restores a snapshot, checked like a fresh fetch. */
  restore(snapshot) { this.#native.restore(snapshot); }

  async #restoreFromStore() {
    const snapshot = await this.#store.get();
    if (typeof snapshot !== 'string') return;
    try {
      this.#native.restore(snapshot);
      this.#saved = snapshot;
    } catch {
      // A stale or foreign snapshot is ignored; the keys are fetched instead.
    }
  }

  async #saveToStore() {
    const snapshot = this.#native.snapshot();
    if (snapshot !== undefined && snapshot !== this.#saved) {
      this.#saved = snapshot;
      await this.#store.put(snapshot);
    }
  }
}

/** One verifier per fetch function, preset and options in this isolate or process, so that keys are fetched once. */
const sharedVerifiers = new WeakMap();
const verifyWith = (preset) => (token, { fetch = globalFetch, ...options } = {}) => {
  let byOptions = sharedVerifiers.get(fetch);
  if (!byOptions) sharedVerifiers.set(fetch, (byOptions = new Map()));
  const key = JSON.stringify([preset, options]);
  let verifier = byOptions.get(key);
  if (!verifier) byOptions.set(key, (verifier = new TokenVerifier(preset, { fetch, ...options })));
  return verifier.verify(token);
};

/** Claims of a Google ID token: `{ audience }` (one or several). */
export const verifyGoogleIdToken = verifyWith('googleIdToken');
/** Claims of a Firebase Auth ID token: `{ projectId }`. */
export const verifyFirebaseToken = verifyWith('firebase');
/** Claims of an Identity-Aware Proxy assertion (`x-goog-iap-jwt-assertion`): `{ audience }`. */
export const verifyIapAssertion = verifyWith('iap');
/** Claims of an IBM Cloud IAM access token: `{ audience? }`. */
export const verifyIbmIamToken = verifyWith('ibmIam');
/** Claims of a JWT a service account signed: `{ email, audience }`. */
export const verifyServiceAccountJwt = verifyWith('serviceAccount');
/** Claims of a token of any OpenID Connect issuer (keys by discovery): `{ issuer, audience }`. */
export const verifyOidcToken = verifyWith('oidc');

// ------------------------------------------------------------------ tokens

function accessToken(nativeToken) {
  const token = {
    token: nativeToken.token,
    expiresAt: new Date(nativeToken.expiresAtUnix * 1000),
  };
  if (nativeToken.refreshToken) token.refreshToken = nativeToken.refreshToken;
  return redactable(token, 'AccessToken');
}

function idToken(nativeToken) {
  return redactable({ token: nativeToken.token, expiresAt: new Date(nativeToken.expiresAtUnix * 1000) }, 'IdToken');
}

function redactable(token, kind) {
  Object.defineProperty(token, 'toString', { value: () => `${kind}([redacted], expires ${token.expiresAt.toISOString()})` });
  Object.defineProperty(token, 'toJSON', { value: () => ({ token: '[redacted]', expiresAt: token.expiresAt.toISOString() }) });
  Object.defineProperty(token, REDACTED, { value: () => token.toString() });
  return token;
}

// ------------------------------------------------------------------ credentials

/**
 * One single-flight cache: concurrent callers share one refresh, and its
 * failure: a caller that waited for it gets its error (`failed`, the core's
 * answer) rather than a refresh of its own.
 */
class Cached {
  #cache;
  #inflight = null;
  #failure = null; // the error of the last refresh that failed, for its waiters
  #refresh;
  #shared; // a SharedTokens the chosen caller refreshes through, or null

  constructor(policy, refresh, shared = null) {
    this.#cache = new native.TokenCache(policy);
    this.#refresh = refresh;
    this.#shared = shared;
  }

  /** `[token, refreshAt or null]`: through the shared store if there is one. */
  async #refill(current) {
    if (!this.#shared) return [await this.#refresh(), null];
    return this.#shared.refresh(current, this.#refresh);
  }

  async get(complete) {
    let generation = null; // the refresh this caller waited for, once told to wait
    for (;;) {
      const now = nowSecs();
      const [kind, token] = generation === null ? this.#cache.lookup(now) : this.#cache.lookupAfterWait(now, generation);
      if (kind === 'fresh') return token;
      if (kind === 'failed') throw this.#failure;
      if (kind === 'wait') {
        generation = this.#cache.refreshGeneration();
        // Until the refresh settles; a short pause if it is not this object's (never a microtask spin).
        await (this.#inflight?.catch(() => {}) ?? new Promise((resolve) => setTimeout(resolve, 20)));
        continue;
      }
      const refresh = this.#refill(kind === 'refresh' ? token : null); // a throw, too, is this refresh's failure
      this.#inflight = refresh;
      try {
        const [fresh, until] = await refresh;
        complete(this.#cache, fresh, until);
        return fresh;
      } catch (error) {
        this.#failure = error;
        this.#cache.fail();
        if (kind === 'refresh') return token;
        throw error;
      } finally {
        if (this.#inflight === refresh) this.#inflight = null;
      }
    }
  }

  invalidate() {
    this.#cache.invalidate();
  }
}

const completeAccess = (cache, token, until) => (until === null ? cache.completeAccess(token) : cache.completeAccessUntil(token, until));
const completeId = (cache, token, until) => (until === null ? cache.completeId(token) : cache.completeIdUntil(token, until));

/**
 * The core's overrides (`CredentialOptions`) as JSON: the package's camelCase
 * names become the core's (`tokenUri` → `token_uri`, `lifetime` → `lifetime_secs`);
 * the core refuses names it does not know. `fetch`, `signing` and
 * `subjectTokenSupplier` are the host's and stay here.
 */
function coreOptions(options = {}) {
  const { fetch, signing, subjectTokenSupplier, ...rest } = options;
  const core = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    const key = name === 'lifetime' ? 'lifetime_secs' : name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    core[key] = name === 'scopes' ? list(value) : value;
  }
  return JSON.stringify(core);
}

const textOf = (document) => (typeof document === 'string' ? document : JSON.stringify(document));

/** Base of every credential: `getAccessToken()` from a cache refreshed once when due. */
export class Credentials {
  #access;
  #fetch;

  /** @internal `policy`: the core's refresh policy name for these credentials' tokens. */
  constructor({ fetch, policy, shared = null }) {
    this.#fetch = fetch ?? globalFetch;
    this.#access = new Cached(policy, () => this.fetchAccessToken(), shared);
  }

  /**
   * Credentials from a credential document (JSON text or the parsed object) of
   * any type: `service_account`, `authorized_user`, `impersonated_service_account`,
   * `external_account`, `external_account_authorized_user`, `gce_metadata`,
   * `ibm_api_key`, `oauth_client_credentials`. `options` are the core's
   * overrides (`scopes`, `tokenUri`, `iamEndpoint`, `metadataBase`, `lifetime`,
   * `delegates`, `quotaProjectId`, `subject`) and `fetch`.
   */
  static fromJson(document, options = {}) {
    // Where WebCrypto signs, the core reads any key in the document (a key file,
    // an impersonated document's source) for WebCrypto: no RSA key loaded into wasm.
    const hostSigns = signsWithWebCrypto(options.signing) || undefined;
    return fromNative(native.Credentials.fromJSON(utf8(textOf(document)), coreOptions({ ...options, hostSigns })), options);
  }

  /** `Credentials.fromJson` of a file's contents (Node and Deno). */
  static async fromFile(path, options = {}) {
    if (!host.readFile) throw invalid('Credentials.fromFile needs a file system (Node, Deno); use Credentials.fromJson here');
    const contents = await host.readFile(path, native.maxCredentialFileSize() + 1);
    return Credentials.fromJson(new TextDecoder().decode(contents), options);
  }

  /** @internal */ get fetchFn() { return this.#fetch; }

  /** @internal */ drive(conversation, sign) {
    return drive(conversation, { fetch: this.#fetch, sign });
  }

  /** A valid access token `{ token, expiresAt }`, cached and refreshed once when due. */
  async getAccessToken() {
    return accessToken(await this.#access.get(completeAccess));
  }

  /** @internal */ async nativeAccessToken() {
    return this.#access.get(completeAccess);
  }

  /** Forgets the cached token (after an API answered 401). */
  invalidate() {
    this.#access.invalidate();
  }

  toString() { return `${this.constructor.name}(…)`; }
  toJSON() { return { type: this.constructor.name }; }
  [REDACTED]() { return this.toString(); }
}

class IdTokens {
  #caches = new Map();
  #policy;
  #make;

  #shared;

  constructor(policy, make, shared = null) {
    this.#policy = policy;
    this.#make = make;
    this.#shared = shared;
  }

  async get(audience, includeEmail) {
    const key = `${includeEmail ? 1 : 0}:${audience}`;
    let cached = this.#caches.get(key);
    if (!cached) {
      cached = new Cached(this.#policy, () => this.#make(audience, includeEmail), this.#shared?.(audience) ?? null);
      this.#caches.set(key, cached);
    }
    return idToken(await cached.get(completeId));
  }
}

function fromNative(nativeCredentials, options = {}) {
  if (nativeCredentials.kind === 'external_account') return new ExternalAccountCredentials(nativeCredentials, options);
  const key = nativeCredentials.hostSigningKey;
  const sign = key && new ServiceAccountKey(key, 'webcrypto').signer();
  if (nativeCredentials.kind === 'service_account') {
    return new ServiceAccountCredentials(nativeCredentials, { fetch: options.fetch, sign });
  }
  return new DocumentCredentials(nativeCredentials, { fetch: options.fetch, sign });
}

/**
 * Credentials the core built from a document (or from a key, an API key, an
 * OAuth client): every request, default and refresh rule is the core's.
 */
export class DocumentCredentials extends Credentials {
  #native;
  #sign;
  #ids;

  /** @internal Use `Credentials.fromJson`, `Credentials.fromFile` or `defaultCredentials()`. */
  constructor(nativeCredentials, { fetch, sign, store } = {}) {
    if (!(nativeCredentials instanceof native.Credentials)) throw invalid('use Credentials.fromJson or Credentials.fromFile');
    const shared = store ? (audience) => new SharedTokens(store, nativeCredentials, audience) : null;
    super({ fetch, policy: nativeCredentials.refreshPolicy, shared: shared?.(null) ?? null });
    this.#native = nativeCredentials;
    this.#sign = sign;
    this.#fetchOption = fetch;
    this.#ids = new IdTokens(nativeCredentials.refreshPolicy,
      (audience) => this.drive(this.#native.idToken(audience), this.#sign), shared);
  }

  #fetchOption;

  /**
   * These credentials with their tokens shared through `store`
   * (`DurableObjectTokenStore`, `MemoryTokenStore` or your own with
   * `get` / `setIfAbsent` / `set` / `deleteIfEquals`, a `secret` and `options`):
   * one refresh per window for everything using the same store and secret.
   * The store is read only when this isolate's own token is due; if it fails,
   * this isolate refreshes by itself.
   */
  withTokenStore(store) {
    return new DocumentCredentials(this.#native, { fetch: this.#fetchOption, sign: this.#sign, store });
  }

  /** The document's `type`. */
  get kind() { return this.#native.kind; }
  get quotaProjectId() { return this.#native.quotaProjectId; }
  get universeDomain() { return this.#native.universeDomain; }
  get projectId() { return this.#native.projectId; }
  get serviceAccountEmail() { return this.#native.serviceAccountEmail; }
  /** @internal */ get native() { return this.#native; }

  /** @internal */ fetchAccessToken() {
    return this.drive(this.#native.accessToken(), this.#sign);
  }

  /**
   * An ID token `{ token, expiresAt }` for `audience` (cached per audience): keys,
   * impersonation and the metadata server; `not_supported` for other kinds.
   */
  getIdToken(audience, { includeEmail = false } = {}) {
    return this.#ids.get(audience, includeEmail);
  }

  toString() { return `${this.constructor.name}(${this.kind})`; }
  toJSON() { return { type: this.constructor.name, kind: this.kind }; }
}

/** A service-account key traded for access tokens (JWT-bearer grant) and ID tokens. */
export class ServiceAccountCredentials extends DocumentCredentials {
  /** Scopes left out are the core's default (cloud-platform); `subject` for domain-wide delegation. */
  constructor(key, { scopes, subject, tokenUri, fetch, /** @internal */ sign } = {}) {
    if (key instanceof native.Credentials) { // @internal: a key file the core read (Credentials.fromJson)
      super(key, { fetch, sign });
      return;
    }
    if (!(key instanceof ServiceAccountKey)) throw invalid('key must be a ServiceAccountKey');
    const nativeCredentials = native.Credentials.fromServiceAccountKey(
      key.native, key.usesWebCrypto(), coreOptions({ scopes, subject, tokenUri }),
    );
    super(nativeCredentials, { fetch, sign: key.signer() });
  }
}

/** Another service account's identity via IAM Credentials, along optional delegates. */
export class ImpersonatedCredentials extends Credentials {
  #source;
  #target;
  #scopes;
  #delegates;
  #lifetime;
  #endpoint;
  #universeDomain;
  #ids;

  /** Scopes, lifetime and IAM endpoint left out are the core's defaults. */
  constructor(source, target, { scopes, delegates, lifetime, endpoint, universeDomain, fetch } = {}) {
    // The source is any credentials of this package, so the core assembles no
    // document here; the caches take the core's policy for IAM-minted tokens.
    super({ fetch, policy: native.iamRefreshPolicy() });
    if (!(source instanceof Credentials)) throw invalid('source must be credmint credentials');
    this.#source = source;
    this.#target = target;
    this.#scopes = scopes === undefined ? undefined : list(scopes);
    this.#delegates = delegates === undefined ? undefined : list(delegates);
    this.#lifetime = lifetime;
    this.#endpoint = endpoint;
    this.#universeDomain = universeDomain;
    this.#ids = new IdTokens(native.iamRefreshPolicy(), (audience, includeEmail) => this.#call('generateIdToken', { audience, includeEmail }));
  }

  async #call(method, { scopes, lifetime, audience, includeEmail = false, payload, claims } = {}) {
    const source = await this.#source.nativeAccessToken();
    const json = (value) => (value === undefined ? undefined : JSON.stringify(value));
    const conversation = native.iamCall(
      method, source, this.#target, json(this.#delegates), this.#endpoint, this.#universeDomain,
      json(scopes), lifetime, audience, includeEmail, payload, json(claims),
    );
    return this.drive(conversation);
  }

  /** @internal */ fetchAccessToken() {
    return this.#call('generateAccessToken', { scopes: this.#scopes, lifetime: this.#lifetime });
  }

  /** An ID token of the target for `audience` (IAM generateIdToken; cached). */
  getIdToken(audience, { includeEmail = false } = {}) {
    return this.#ids.get(audience, includeEmail);
  }

  /** `bytes` signed by the target (IAM signBlob): `{ keyId, signedBlob }`. */
  async signBlob(bytes) {
    const [keyId, signedBlob] = await this.#call('signBlob', { payload: bytes });
    return { keyId, signedBlob };
  }

  /** `claims` signed by the target (IAM signJwt): `{ keyId, signedJwt }`. */
  async signJwt(claims) {
    const [keyId, signedJwt] = await this.#call('signJwt', { claims });
    return { keyId, signedJwt };
  }

  /** The target's allowed locations. */
  async allowedLocations() {
    const [locations, encodedLocations] = await this.#call('allowedLocations');
    return { locations, encodedLocations };
  }
}

function externalAccountDocument(config, { scopes }) {
  // An empty scope list means "none given", as it always has here.
  const given = scopes === undefined || list(scopes).length === 0 ? undefined : scopes;
  const nativeCredentials = native.Credentials.fromJSON(utf8(textOf(config)), coreOptions({ scopes: given }));
  if (nativeCredentials.kind !== 'external_account') {
    throw new CredmintError('credential file type is not "external_account"', 'invalid_key', undefined, false);
  }
  return nativeCredentials;
}

/**
 * Workload identity federation: the subject token sourced by the core as the
 * configuration says (a file or an executable where the host has them, a URL,
 * AWS), or given by `subjectTokenSupplier`, exchanged at STS.
 */
export class ExternalAccountCredentials extends DocumentCredentials {
  /** Not for federated credentials: their subject token is this host's to fetch. */
  withTokenStore() {
    throw new CredmintError('external_account credentials cannot share tokens through a store yet', 'not_supported', undefined, false);
  }

  #supplier;

  constructor(config, options = {}) {
    const nativeCredentials = config instanceof native.Credentials ? config : externalAccountDocument(config, options);
    super(nativeCredentials, { fetch: options.fetch });
    this.#supplier = options.subjectTokenSupplier;
  }

  /** @internal */ async fetchAccessToken() {
    if (!this.#supplier) return super.fetchAccessToken();
    return this.drive(this.native.accessToken(String(await this.#supplier())));
  }
}

/** An IBM Cloud API key traded for IAM tokens (refreshed at 80 % of their life). */
export class IbmApiKeyCredentials extends DocumentCredentials {
  constructor(apikey, { url, clientId, clientSecret, fetch } = {}) {
    if (typeof apikey !== 'string' || !apikey) throw invalid('apikey must be a non-empty string');
    const document = { type: 'ibm_api_key', apikey, url, client_id: clientId, client_secret: clientSecret };
    super(native.Credentials.fromJSON(utf8(JSON.stringify(document))), { fetch });
  }
}

/** The OAuth 2.0 client-credentials grant (k0rdent service-account credentials). */
export class ClientCredentials extends DocumentCredentials {
  constructor({ tokenUrl, clientId, clientSecret, scopes, basicAuth, fetch }) {
    const document = {
      type: 'oauth_client_credentials', token_url: tokenUrl, client_id: clientId, client_secret: clientSecret,
      scopes: scopes === undefined ? undefined : list(scopes),
      client_auth: basicAuth === undefined ? undefined : basicAuth ? 'basic' : 'form',
    };
    super(native.Credentials.fromJSON(utf8(JSON.stringify(document))), { fetch });
  }
}

// ------------------------------------------------------------------ ADC

/**
 * Application Default Credentials, as Google's libraries find them:
 * `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's file, then the metadata server
 * (Node and Deno). Resolves to `{ credentials, projectId }`; `credentials_not_found`
 * when there is nothing to find. The core decides the order, the paths and
 * what each answer means; this reads the variables and files it names and
 * sends the requests it builds.
 */
export async function defaultCredentials(options = {}) {
  if (!host.env || !host.readFile) {
    throw invalid('defaultCredentials() needs an environment and a file system (Node, Deno); '
      + 'in Workers and browsers use Credentials.fromJson(env.GOOGLE_CREDENTIALS)');
  }
  const env = [];
  for (const name of native.adcVariables()) {
    const value = host.env(name);
    if (value !== undefined) env.push([name, value]);
  }
  const hostSigns = signsWithWebCrypto(options.signing) || undefined;
  const adc = native.defaultCredentials(env, host.windows, coreOptions({ ...options, hostSigns }));
  const found = await drive(adc, { fetch: options.fetch ?? globalFetch });
  return { credentials: fromNative(found.credentials, options), projectId: found.projectId };
}

// ------------------------------------------------------------------ k0rdent

/** Every credential of a k0rdent service account, fetching pages as iteration needs them. */
export async function* listCredentials({ baseUrl, accountId, token, status, pageSize, fetch }) {
  let bearer;
  if (token instanceof Credentials) bearer = await token.nativeAccessToken();
  else if (typeof token === 'string') bearer = native.bearerToken(token, nowSecs(), 3600);
  else if (token && typeof token.token === 'string') bearer = native.bearerToken(token.token, nowSecs(), 3600);
  else throw invalid('token must be a string, an access token or credentials');
  const conversation = native.listCredentials(baseUrl, accountId, bearer, status, pageSize);
  for (;;) {
    const page = await drive(conversation, { fetch: fetch ?? globalFetch });
    if (page === null) return;
    for (const item of JSON.parse(page).credentials) {
      yield {
        ...item,
        expiresAt: item.expiresAt === null ? null : new Date(item.expiresAt * 1000),
        createdAt: item.createdAt === null ? null : new Date(item.createdAt * 1000),
        lastUsedAt: item.lastUsedAt === null ? null : new Date(item.lastUsedAt * 1000),
      };
    }
  }
}

/**
 * Test support. `flow`, the conversation of a conformance vector (`done` is
 * JSON text), is in the test build only (bindings-wasm/dist-test).
 */
export const conformance = {
  flow: (specJson) => {
    if (!native.conformanceFlow) throw invalid('conformance flows are in the test build (dist-test) only');
    return native.conformanceFlow(specJson);
  },
  sampleError: (code) => {
    if (!native.sampleError) throw invalid('sample errors are in the test build (dist-test) only');
    native.sampleError(code);
  },
  tokenCache: (policy, maxJitterSecs, jitterSeed) => new native.TokenCache(policy, maxJitterSecs, jitterSeed),
  bearerToken: (token, now, ttl) => native.bearerToken(token, now, ttl),
  credentials: (text, optionsJson) => native.Credentials.fromJSON(utf8(text), optionsJson),
  sharedCache: (secret, credentials, audience, optionsJson) => new native.SharedCache(secret, credentials, audience, optionsJson),
  defaultCredentialsFlow: (env, windows, optionsJson) => native.defaultCredentials(env, windows, optionsJson),
};

export const version = () => native.version();
