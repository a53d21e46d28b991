// Token caches shared by many isolates or processes: the core's SharedRefresh
// steps answered with a store. Every key, value, expiry, wait and timeout is
// the core's; a store only gets, sets and deletes.
import * as native from './credmint_wasm.js';

const nowSecs = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `work`, or a rejection once `ms` (the core's store timeout) have passed. */
function bounded(work, ms) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the token store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(work), expired]).finally(() => clearTimeout(timer));
}

/** Base64 of the application's cache secret (a string is taken as base64 already). */
function secretText(secret) {
  if (typeof secret === 'string') return secret;
  const bytes = secret instanceof Uint8Array ? secret : new Uint8Array(secret);
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

const coreOptions = (options) => {
  const core = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) core[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return Object.keys(core).length ? JSON.stringify(core) : undefined;
};

/** @internal One credential's shared cache (access tokens, or one audience's ID tokens). */
export class SharedTokens {
  #cache;
  #store;
  #id;

  constructor(store, nativeCredentials, audience) {
    this.#store = store;
    this.#id = audience !== undefined && audience !== null;
    this.#cache = new native.SharedCache(secretText(store.secret), nativeCredentials,
      this.#id ? audience : undefined, coreOptions(store.options ?? {}));
  }

  get entryKey() { return this.#cache.entryKey; }

  /** `[token, refreshAt]` from the store, or from `refresh()` (the credential's own conversation). */
  async refresh(current, refresh) {
    const now = nowSecs();
    const machine = current === null ? this.#cache.refresh(now)
      : this.#id ? this.#cache.refreshHoldingId(now, current) : this.#cache.refreshHoldingAccess(now, current);
    let failure;
    for (;;) {
      const step = machine.poll(nowSecs());
      const [kind, ...args] = step;
      if (kind === 'done') return [args[0], args[1]];
      if (kind === 'failed') throw failure;
      if (kind === 'wait') {
        await sleep(args[0]);
      } else if (kind === 'refresh') {
        try {
          const token = await refresh();
          if (this.#id) machine.feedIdToken(token); else machine.feedAccessToken(token);
        } catch (error) {
          failure = error;
          machine.feedRefreshFailed();
        }
      } else {
        const timeout = args[args.length - 1];
        let answer;
        try {
          answer = await bounded(this.#store[kind](...args), timeout);
        } catch {
          machine.feedStoreError(); // the store's words are not repeated: they may quote what it was sent
          continue;
        }
        if (kind === 'get') machine.feedValue(answer ?? undefined);
        else if (kind === 'setIfAbsent') machine.feedSet(Boolean(answer));
        else machine.feedOk();
      }
    }
  }
}

/**
 * Keys with expiry in this isolate's memory: for tests, and for several
 * credentials objects of one isolate sharing tokens.
 */
export class MemoryTokenStore {
  #values = new Map();

  constructor({ secret, ...options }) {
    this.secret = secret;
    this.options = options;
  }

  #live(key) {
    const found = this.#values.get(key);
    if (!found || found.until <= Date.now()) { this.#values.delete(key); return null; }
    return found.value;
  }

  async get(key) { return this.#live(key); }

  async setIfAbsent(key, value, ttlMs) {
    if (this.#live(key) !== null) return false;
    this.#values.set(key, { value, until: Date.now() + ttlMs });
    return true;
  }

  async set(key, value, ttlMs) { this.#values.set(key, { value, until: Date.now() + ttlMs }); }

  async deleteIfEquals(key, value) { if (this.#live(key) === value) this.#values.delete(key); }

  toString() { return 'MemoryTokenStore([redacted])'; }
  toJSON() { return { type: 'MemoryTokenStore' }; }
}

/**
 * A Durable Object's storage (`state.storage`) as the store: strongly
 * consistent and single-threaded, so one refresh per window for every
 * isolate that asks the object; entries outlive the object's restarts.
 * Expiry is kept with each value (storage has none of its own).
 */
export class DurableObjectTokenStore {
  #storage;

  constructor(storage, { secret, ...options }) {
    this.#storage = storage;
    this.secret = secret;
    this.options = options;
  }

  async #live(key) {
    const found = await this.#storage.get(key);
    if (!found || typeof found.until !== 'number' || found.until <= Date.now()) return null;
    return typeof found.value === 'string' ? found.value : null;
  }

  get(key) { return this.#live(key); }

  // Atomic: a Durable Object delivers no other event while its storage call is in flight.
  async setIfAbsent(key, value, ttlMs) {
    if ((await this.#live(key)) !== null) return false;
    await this.#storage.put(key, { value, until: Date.now() + ttlMs });
    return true;
  }

  async set(key, value, ttlMs) { await this.#storage.put(key, { value, until: Date.now() + ttlMs }); }

  async deleteIfEquals(key, value) {
    if ((await this.#live(key)) === value) await this.#storage.delete(key);
  }

  toString() { return 'DurableObjectTokenStore([redacted])'; }
  toJSON() { return { type: 'DurableObjectTokenStore' }; }
}
