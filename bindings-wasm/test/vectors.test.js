// The shared conformance vectors through the npm package: byte-identical
// tokens and signatures (WebCrypto and pure-wasm signing), the same errors,
// and every scripted conversation and cache decision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// The test build: the package plus the conformance flows (bindings-wasm/build.sh).
import * as credmint from '../dist-test/node.js';
import * as shipped from '../dist/node.js';
import { vectorFile, vectorText, VECTORS } from './helpers.js';
import { readFileSync } from 'node:fs';

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const serviceAccount = (c) => (c.key?.format ?? 'service_account') === 'service_account';

function expectError(expectedCode, call) {
  assert.throws(call, (error) => error instanceof credmint.CredmintError && error.code === expectedCode);
}

async function expectRejection(expectedCode, call) {
  await assert.rejects(call, (error) => error instanceof credmint.CredmintError && error.code === expectedCode);
}

test('keys.json: service-account keys and key sets', () => {
  for (const c of vectorFile('keys.json').cases) {
    if (c.op === 'load_signing_key' && serviceAccount(c)) {
      const text = vectorText(c.key);
      if (c.expect.error) { expectError(c.expect.error, () => credmint.ServiceAccountKey.fromJSON(text)); continue; }
      const key = credmint.ServiceAccountKey.fromJSON(text);
      assert.equal(key.keyId, c.expect.key_id, c.name);
      assert.deepEqual(key.jwks().keys, [c.expect.jwk], c.name);
      assert.equal(key.clientEmail, c.expect.client_email, c.name);
    } else if (c.op === 'load_key_set') {
      const text = vectorText(c.keys);
      if (c.expect.error) { expectError(c.expect.error, () => new credmint.KeySet(text)); continue; }
      assert.deepEqual(new credmint.KeySet(text).jwks().keys, c.expect.jwks, c.name);
    }
  }
});

for (const signing of ['auto', 'wasm']) {
  test(`sign.json: byte-identical signatures (${signing})`, async () => {
    let ran = 0;
    for (const c of vectorFile('sign.json').cases) {
      if (!serviceAccount(c) || !['sign_blob', 'sign_jwt'].includes(c.op)) continue;
      const load = () => credmint.ServiceAccountKey.fromJSON(vectorText(c.key), { signing });
      if (c.op === 'sign_blob') {
        const payload = Buffer.from(c.payload_b64, 'base64');
        if (c.expect.error) { await expectRejection(c.expect.error, () => load().signBlob(payload)); continue; }
        const signed = await load().signBlob(payload);
        assert.equal(signed.keyId, c.expect.key_id);
        assert.equal(b64(signed.signedBlob), c.expect.signed_blob, c.name);
      } else {
        let claims;
        try { claims = JSON.parse(c.claims_json); } catch { claims = undefined; }
        // Claims text a JS object cannot carry exactly (duplicates, non-objects) is the Rust suite's.
        if (claims === undefined || claims === null || typeof claims !== 'object' || Array.isArray(claims)
          || JSON.stringify(claims) !== c.claims_json) continue;
        if (c.expect.error) { await expectRejection(c.expect.error, () => load().signJwt(claims, { now: c.now })); continue; }
        const signed = await load().signJwt(claims, { now: c.now });
        assert.equal(signed.signedJwt, c.expect.signed_jwt, c.name);
      }
      ran += 1;
    }
    assert.ok(ran >= 10, `ran ${ran}`);
  });

  test(`assertions.json: self-signed JWTs (${signing})`, async () => {
    for (const c of vectorFile('assertions.json').cases) {
      if (c.op !== 'self_signed_jwt' || !serviceAccount(c)) continue;
      const key = credmint.ServiceAccountKey.fromJSON(vectorText(c.key), { signing });
      const call = () => key.selfSignedJwt({ audience: c.audience, scopes: c.scopes, now: c.now });
      if (c.expect.error) { await expectRejection(c.expect.error, call); continue; }
      assert.equal(await call(), c.expect.token, c.name);
    }
  });
}

test('warmUp runs the whole first-token path on its placeholder key', () => {
  assert.equal(credmint.warmUp(), true);
});

test('auto signing uses WebCrypto when the host has it, for PKCS#8 and PKCS#1 keys', () => {
  const pkcs8 = credmint.ServiceAccountKey.fromJSON(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'));
  assert.equal(pkcs8.usesWebCrypto(), true);
  const wasm = credmint.ServiceAccountKey.fromJSON(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'), { signing: 'wasm' });
  assert.equal(wasm.usesWebCrypto(), false);
  const pkcs1 = keyFileWith(readFileSync(new URL('keys/rsa_4096_pkcs1.pem', VECTORS), 'utf8'), 'k');
  assert.equal(credmint.ServiceAccountKey.fromJSON(pkcs1).usesWebCrypto(), true);
});

const keyFileWith = (pem, keyId) => JSON.stringify({
  type: 'service_account', private_key_id: keyId, private_key: pem, client_email: 'sa@p.iam.gserviceaccount.com',
});

for (const signing of ['auto', 'wasm']) {
  test(`keys.json: every signing key, in a key file, fails or signs the same way (${signing})`, async () => {
    let ran = 0;
    for (const c of vectorFile('keys.json').cases) {
      if (c.op !== 'load_signing_key') continue;
      const text = serviceAccount(c) ? vectorText(c.key) : keyFileWith(vectorText(c.key), c.key.key_id);
      // WebCrypto keys are checked by WebCrypto and by a pairwise test on the
      // first signature, so an error may come at load or at the first signature.
      const outcome = async () => {
        const key = credmint.ServiceAccountKey.fromJSON(text, { signing });
        const { signedBlob } = await key.signBlob(new TextEncoder().encode('blob'));
        const again = await key.signBlob(new TextEncoder().encode('blob'));
        assert.deepEqual(again.signedBlob, signedBlob);
        return key;
      };
      if (signing === 'auto' && c.name === 'CRT coefficient is wrong') {
        // OpenSSL (Node's WebCrypto) imports this key and, seeing the CRT result
        // fail, signs without CRT: the signature is correct, so the pairwise
        // check passes. BoringSSL (workerd, Chromium) refuses it on import.
        await outcome().then(
          async (key) => assert.ok(credmint.verify(
            (await key.signJwt({ sub: 's' }, { now: 1700000000 })).signedJwt, key.jwks(), { now: 1700000000 },
          )),
          (error) => assert.equal(error.code, 'invalid_key'),
        );
      } else if (c.expect.error) {
        await expectRejection(c.expect.error, outcome).catch((e) => { throw new Error(`${c.name}: ${e.message}`); });
      } else assert.equal((await outcome()).keyId, c.expect.key_id, c.name);
      ran += 1;
    }
    assert.ok(ran >= 40, `ran ${ran}`);
  });
}

test('verify.json: claims and error codes', () => {
  let ran = 0;
  for (const c of vectorFile('verify.json').cases) {
    const v = c.validation ?? {};
    if (Object.keys(v).some((k) => !['audiences', 'issuers', 'leeway', 'max_lifetime'].includes(k))) continue;
    const call = () => credmint.verify(c.token, vectorText(c.keys), {
      audience: v.audiences, issuer: v.issuers, leeway: v.leeway, maxLifetime: v.max_lifetime, now: c.now,
    });
    if (c.expect.error) expectError(c.expect.error, call);
    else assert.deepEqual(call(), c.expect.claims, c.name);
    ran += 1;
  }
  assert.ok(ran >= 100, `ran ${ran}`);
});

test('verify.json through WebCrypto (verifyAsync): the same claims and codes', async () => {
  let ran = 0;
  for (const c of vectorFile('verify.json').cases) {
    const v = c.validation ?? {};
    if (Object.keys(v).some((k) => !['audiences', 'issuers', 'leeway', 'max_lifetime'].includes(k))) continue;
    let keys;
    try { keys = new credmint.KeySet(vectorText(c.keys)); } catch (error) {
      assert.equal(error.code, c.expect.error, c.name);
      continue;
    }
    const call = () => credmint.verifyAsync(c.token, keys, {
      audience: v.audiences, issuer: v.issuers, leeway: v.leeway, maxLifetime: v.max_lifetime, now: c.now,
    });
    if (c.expect.error) await expectRejection(c.expect.error, call);
    else assert.deepEqual(await call(), c.expect.claims, c.name);
    ran += 1;
  }
  assert.ok(ran >= 100, `ran ${ran}`);
});

function inlined(spec) {
  if (Array.isArray(spec)) return spec.map(inlined);
  if (spec && typeof spec === 'object') {
    if ('file' in spec) {
      const { file, ...rest } = spec;
      return { ...rest, text: readFileSync(new URL(file, VECTORS), 'utf8') };
    }
    return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, inlined(v)]));
  }
  return spec;
}

function subset(expected, got) {
  if (expected && typeof expected === 'object' && got && typeof got === 'object') {
    return Object.entries(expected).every(([k, v]) => k in got && subset(v, got[k]));
  }
  return expected === got || (expected === null && got === undefined);
}

const errorJson = (e) => ({
  code: e.code, retryable: e.retryable, status: e.status ?? null, provider_code: e.remoteCode ?? null,
  reason: e.reason ?? null, permission: e.permission ?? null, retry_after: e.retryAfter ?? null,
});

test('flows.json: every conversation, step by step', () => {
  const cases = vectorFile('flows.json').cases;
  for (const c of cases) {
    const spec = JSON.stringify(inlined(c.flow));
    if (c.construct_error) { expectError(c.construct_error, () => credmint.conformance.flow(spec)); continue; }
    const conversation = credmint.conformance.flow(spec);
    c.steps.forEach((step, index) => {
      const where = `${c.name}, step ${index}`;
      const kind = Object.keys(step.expect)[0];
      if (kind === 'error') {
        assert.throws(() => conversation.poll(step.now), (e) => subset(step.expect.error, errorJson(e)), where);
        return;
      }
      const got = conversation.poll(step.now);
      assert.equal(got[0], kind, where);
      if (kind === 'send') {
        const [, method, url, headers, body, timeout_millis] = got;
        assert.deepEqual({ method, url, headers, body: Buffer.from(body).toString('utf8'), timeout_millis },
          step.expect.send, where);
        if (step.respond) {
          conversation.feedResponse(step.respond.status, step.respond.headers, Buffer.from(step.respond.body, 'utf8'));
        } else if (step.transport_error) {
          conversation.feedTransportError(step.transport_error);
        }
      } else if (kind === 'sign') {
        assert.deepEqual({ key_id: got[1], payload: Buffer.from(got[2]).toString('utf8') }, step.expect.sign, where);
        conversation.feedSignature(Buffer.from(step.signature_b64url, 'base64url'));
      } else if (kind === 'wait') {
        assert.equal(got[1], step.expect.wait, where);
      } else if (kind === 'read_file') {
        assert.deepEqual({ path: got[1], max_bytes: got[2] }, step.expect.read_file, where);
        feedHost(conversation, step.host);
      } else if (kind === 'read_env') {
        assert.equal(got[1], step.expect.read_env, where);
        feedHost(conversation, step.host);
      } else if (kind === 'run') {
        const [, program, args, env, timeout_millis] = got;
        assert.deepEqual({ program, args, env, timeout_millis }, step.expect.run, where);
        feedHost(conversation, step.host);
      } else {
        assert.deepEqual(JSON.parse(got[1]), step.expect.done, where);
      }
    });
  }
  assert.ok(cases.length > 50);
});

/** The vector's answer to a host step, as the package's drive loop gives it. */
function feedHost(conversation, answer) {
  const [kind, value] = Object.entries(answer)[0];
  const bytes = (text) => Buffer.from(text, 'utf8');
  if (kind === 'file') conversation.feedHost('file', undefined, bytes(value));
  else if (kind === 'exited') conversation.feedHost('exited', undefined, bytes(value.stdout), value.status);
  else if (kind === 'env') conversation.feedHost('env', value ?? undefined);
  else if (['unreadable', 'not_started'].includes(kind)) conversation.feedHost(kind, value);
  else conversation.feedHost(kind);
}

test('cache.json: single-flight decisions', () => {
  for (const c of vectorFile('cache.json').cases) {
    const cache = credmint.conformance.tokenCache(c.policy, c.max_jitter_secs, c.jitter_seed);
    const shown = ([kind, token]) => ({ fresh: () => ({ fresh: token.expiresAtUnix }),
      refresh: () => ({ refresh_in_background: token.expiresAtUnix }), must: () => 'must_refresh',
      wait: () => 'wait_for_refresh', failed: () => 'refresh_failed' }[kind]());
    let generation = 0;
    for (const op of c.ops) {
      if (op.op === 'get') assert.deepEqual(shown(cache.lookup(op.now)), op.expect, c.name);
      else if (op.op === 'get_after_wait') {
        assert.deepEqual(shown(cache.lookupAfterWait(op.now, generation)), op.expect, c.name);
      } else if (op.op === 'note_generation') generation = cache.refreshGeneration();
      else if (op.op === 'complete') {
        cache.completeAccess(credmint.conformance.bearerToken('t', op.obtained_at, op.expires_at - op.obtained_at));
      } else if (op.op === 'fail') cache.fail();
      else if (op.op === 'invalidate') cache.invalidate();
      else if (op.op === 'refresh_at') assert.equal(cache.refreshAt() ?? null, op.expect, c.name);
      else assert.fail(`${c.name}: unknown op ${op.op}`);
    }
  }
});

test('shared.json: cache keys, sealed entries, misses and the lease protocol', () => {
  const cases = vectorFile('shared.json').cases;
  const cache = (c) => {
    const creds = credmint.conformance.credentials(vectorText(c.document), c.scopes ? JSON.stringify({ scopes: c.scopes }) : undefined);
    const options = { ...(c.options ?? {}), ...(c.key_prefix ? { key_prefix: c.key_prefix } : {}) };
    return credmint.conformance.sharedCache(c.secret_b64, creds, c.audience, Object.keys(options).length ? JSON.stringify(options) : undefined);
  };
  const shown = ([token, refreshAt]) => ({ token: token.token, obtained_at: token.obtainedAtUnix,
    expires_at: token.expiresAtUnix, refresh_at: refreshAt });
  const token = (spec) => credmint.conformance.bearerToken(spec.token, spec.obtained_at, spec.lifetime);
  for (const c of cases.filter((c) => c.op === 'name')) {
    const shared = cache(c);
    assert.deepEqual([shared.entryKey, shared.leaseKey], [c.entry_key, c.lease_key], c.name);
  }
  for (const c of cases.filter((c) => c.op === 'seal')) {
    const opened = cache(c).open(c.sealed, c.now);
    const { token: t, obtained_at, expires_at, refresh_at } = c.entry;
    assert.deepEqual(shown(opened), { token: t, obtained_at, expires_at, refresh_at }, c.name);
    assert.equal(opened[0].refreshToken, c.entry.refresh_token, c.name);
  }
  for (const c of cases.filter((c) => c.op === 'open')) {
    const opened = cache(c).open(c.value, c.now);
    assert.deepEqual(opened === null ? null : shown(opened), c.expect, c.name);
  }
  const protocol = cases.filter((c) => c.op === 'protocol');
  assert.ok(protocol.length >= 9);
  for (const c of protocol) {
    const shared = cache(c);
    const refresh = c.current ? shared.refreshHoldingAccess(c.now, token(c.current)) : shared.refresh(c.now);
    let holder = null;
    for (const line of c.script) {
      if (line.expect !== undefined) {
        const [kind, ...args] = refresh.poll(c.now);
        const got = {
          get: () => ({ get: args[0] }),
          setIfAbsent: () => { holder = args[1]; return { set_if_absent: { key: args[0], ttl_millis: args[2] } }; },
          set: () => ({ set: { key: args[0], ttl_millis: args[2], entry: shown(shared.open(args[1], c.now)) } }),
          deleteIfEquals: () => { assert.equal(args[1], holder, c.name); return { delete_if_equals: args[0] }; },
          refresh: () => 'refresh',
          wait: () => ({ wait: args[0] }),
          done: () => ({ done: { token: args[0].token, refresh_at: args[1], origin: args[2] } }),
          failed: () => 'failed',
        }[kind]();
        assert.deepEqual(got, line.expect, c.name);
      } else if (line.feed === 'ok') refresh.feedOk();
      else if (line.feed === 'store_error') refresh.feedStoreError();
      else if (line.feed === 'refresh_failed') refresh.feedRefreshFailed();
      else if ('value' in line.feed) refresh.feedValue(line.feed.value ?? undefined);
      else if ('set' in line.feed) refresh.feedSet(line.feed.set);
      else refresh.feedAccessToken(token(line.feed.token));
    }
  }
});

test('the module users get carries no conformance flows', () => {
  assert.throws(() => shipped.conformance.flow('{}'),
    (e) => e instanceof shipped.CredmintError && e.code === 'invalid_argument' && e.message.includes('test build'));
});

test('errors.json: every code raises its family', () => {
  for (const c of vectorFile('errors.json').cases) {
    assert.throws(() => credmint.conformance.sampleError(c.code), (error) => {
      assert.ok(error instanceof credmint.CredmintError, c.code);
      assert.equal(error.code, c.code);
      assert.equal(error.family, c.family, c.code);
      assert.equal(error.retryable, c.retryable, c.code);
      assert.equal(error.toJSON().family, c.family);
      return true;
    });
  }
  // An error the package raises itself takes its family from the core as well.
  assert.throws(() => credmint.Credentials.fromJson('{}', { signing: 'nope' }),
    (error) => error.code === 'invalid_argument' && error.family === 'invalid_argument');
  assert.throws(() => shipped.conformance.sampleError('invalid_key'), (error) => error.code === 'invalid_argument');
});
