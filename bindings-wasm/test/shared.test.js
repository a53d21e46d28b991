// Shared token caches in one process: MemoryTokenStore shared by several
// credentials objects, a store that fails or holds garbage, bad secrets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIKEY, startEmulator } from './helpers.js';

const credmint = await import(process.env.CREDMINT_ENTRY ?? '../dist/node.js');
const { IbmApiKeyCredentials, MemoryTokenStore, CredmintError } = credmint;
const SECRET = btoa('shared-test-secret-0123456789abcdefgh');

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator?.stop(); });

const ibm = () => new IbmApiKeyCredentials(APIKEY, { url: emulator.base });
const requests = () => emulator.requests('POST /identity/token');

test('credentials sharing a store share one token; another secret shares nothing', async () => {
  const before = await requests();
  const store = new MemoryTokenStore({ secret: SECRET });
  const [a, b] = [ibm().withTokenStore(store), ibm().withTokenStore(store)];
  const tokens = await Promise.all([a.getAccessToken(), b.getAccessToken(), a.getAccessToken()]);
  assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
  assert.equal(await requests(), before + 1);
  const other = ibm().withTokenStore(new MemoryTokenStore({ secret: btoa('another-secret-0123456789abcdefghijk') }));
  await other.getAccessToken();
  assert.equal(await requests(), before + 2, 'another secret: its own token request');
  assert.equal(String(store), 'MemoryTokenStore([redacted])');
  assert.ok(!JSON.stringify(store).includes(SECRET));
});

test('a failing or hanging store leaves the refresh in this isolate', async () => {
  const failing = {
    secret: SECRET,
    options: { storeTimeoutMillis: 100 },
    get: async () => { throw new Error('connection refused with apikey=secret-looking-text'); },
    setIfAbsent: () => new Promise(() => {}), // never answers: bounded by the core's timeout
    set: async () => {},
    deleteIfEquals: async () => {},
  };
  const token = await ibm().withTokenStore(failing).getAccessToken();
  assert.ok(token.token.length > 10);
  const hanging = { ...failing, get: () => new Promise(() => {}) };
  const started = Date.now();
  assert.ok((await ibm().withTokenStore(hanging).getAccessToken()).token);
  assert.ok(Date.now() - started < 2_000, 'the store timeout bounded the wait');
});

test('garbage in the store is a miss; entries are sealed and named under the prefix', async () => {
  const memory = new MemoryTokenStore({ secret: SECRET });
  const calls = [];
  const recording = {
    secret: SECRET,
    options: { keyPrefix: 'js-test:' },
    get: async (key) => { calls.push(['get', key]); return 'cm1.garbage-that-does-not-open'; },
    setIfAbsent: (...args) => memory.setIfAbsent(...args),
    set: async (key, value, ttl) => { calls.push(['set', key, value]); return memory.set(key, value, ttl); },
    deleteIfEquals: (...args) => memory.deleteIfEquals(...args),
  };
  const before = await requests();
  const token = await ibm().withTokenStore(recording).getAccessToken();
  assert.equal(await requests(), before + 1, 'garbage: refreshed');
  const [, key] = calls.find(([kind]) => kind === 'get');
  assert.ok(key.startsWith('js-test:v1:') && !key.includes(APIKEY));
  const [, , sealed] = calls.find(([kind]) => kind === 'set');
  assert.ok(sealed.startsWith('cm1.') && !sealed.includes(token.token), 'sealed');
});

test('bad secrets and options are refused with invalid_argument', async () => {
  assert.throws(() => ibm().withTokenStore(new MemoryTokenStore({ secret: btoa('short') })),
    (e) => e instanceof CredmintError && e.code === 'invalid_argument');
  assert.throws(() => ibm().withTokenStore(new MemoryTokenStore({ secret: SECRET, leaseMillis: 1 })),
    (e) => e instanceof CredmintError && e.code === 'invalid_argument' && /lease_millis/.test(e.message));
});
