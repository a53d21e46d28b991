// The shared credential-document and ADC vectors through the wasm classes
// (byte-identical requests, time limits included; the same outputs and error
// codes), and the package's Credentials.fromJson over the same documents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
// CREDMINT_ENTRY picks the loader (Deno: ../dist/web.js, which uses Deno's own file and env APIs).
const credmint = await import(process.env.CREDMINT_ENTRY ?? '../dist/node.js');
import { readFileSync } from 'node:fs';
import { VECTORS, vectorFile } from './helpers.js';

const NOW = 1700000000;
const decode = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const encode = (text) => new TextEncoder().encode(text);
const orNull = (value) => value ?? null;

function checkSend(name, expect, step) {
  const [kind, method, url, headers, body, timeoutMillis] = step;
  assert.equal(kind, 'send', name);
  assert.deepEqual({ method, url, headers, timeout_millis: timeoutMillis },
    { method: expect.method, url: expect.url, headers: expect.headers, timeout_millis: expect.timeout_millis }, name);
  if ('body' in expect) assert.equal(decode(body), expect.body, name);
  if ('body_starts_with' in expect) assert.ok(decode(body).startsWith(expect.body_starts_with), `${name}: ${decode(body)}`);
}

/** Answers a conversation's requests from the script; the `done` value. */
function run(name, conversation, script) {
  for (const step of script.steps) {
    checkSend(name, step.expect, conversation.poll(NOW));
    conversation.feedResponse(step.respond.status, step.respond.headers, encode(step.respond.body));
  }
  const step = conversation.poll(NOW);
  assert.equal(step[0], 'done', name);
  return step[1];
}

const facts = (creds) => ({
  kind: creds.kind,
  universe_domain: creds.universeDomain,
  project_id: orNull(creds.projectId),
  quota_project_id: orNull(creds.quotaProjectId),
  service_account_email: orNull(creds.serviceAccountEmail),
});

const isCode = (code) => (error) => error instanceof credmint.CredmintError && error.code === code;

test('credentials.json: every document, its facts and its conversations', () => {
  const cases = vectorFile('credentials.json').cases;
  let conversations = 0;
  for (const c of cases) {
    const options = 'options' in c ? JSON.stringify(c.options) : undefined;
    if ('error' in c) {
      assert.throws(() => credmint.conformance.credentials(c.document, options), isCode(c.error), c.name);
      continue;
    }
    const creds = credmint.conformance.credentials(c.document, options);
    assert.deepEqual({ ...facts(creds), refresh_policy: orNull(creds.refreshPolicy) }, c.expect, c.name);
    for (const which of ['access_token', 'id_token']) {
      const script = c[which];
      if (!script) continue;
      let got;
      try {
        if (which === 'access_token') {
          const token = run(c.name, creds.accessToken(), script);
          got = { token: token.token, obtained_at: token.obtainedAtUnix, expires_at: token.expiresAtUnix };
        } else {
          const token = run(c.name, creds.idToken(script.audience), script);
          got = { token: token.token, expires_at: token.expiresAtUnix };
        }
      } catch (error) {
        if (!(error instanceof credmint.CredmintError)) throw error;
        assert.equal(error.code, script.error, `${c.name} (${which}): ${error.message}`);
        conversations += 1;
        continue;
      }
      assert.ok(!('error' in script), `${c.name} (${which}): expected ${script.error}`);
      assert.deepEqual(got, script.done, `${c.name} (${which})`);
      conversations += 1;
    }
  }
  assert.ok(cases.length >= 30 && conversations >= 20, `${cases.length} cases, ${conversations} conversations`);
});

test('adc.json: every Application Default Credentials decision', () => {
  const cases = vectorFile('adc.json').cases;
  for (const c of cases) {
    const adc = credmint.conformance.defaultCredentialsFlow(Object.entries(c.env), c.windows, undefined);
    const exchanges = [...c.exchanges];
    const filesRead = [];
    let now = NOW;
    let waited = false;
    let found;
    let failure;
    try {
      for (;;) {
        const step = adc.poll(now);
        if (step[0] === 'read_file') {
          filesRead.push(step[1]);
          const content = c.files[step[1]];
          if (content === undefined) adc.feedHost('missing');
          else if (typeof content === 'string') adc.feedHost('file', undefined, encode(content));
          else adc.feedHost('unreadable', content.error);
        } else if (step[0] === 'send') {
          const exchange = exchanges.shift();
          assert.ok(exchange, `${c.name}: unexpected request ${step[2]}`);
          checkSend(c.name, exchange.expect, step);
          if ('transport_error' in exchange) adc.feedTransportError(exchange.transport_error);
          else adc.feedResponse(exchange.respond.status, exchange.respond.headers, encode(exchange.respond.body));
        } else if (step[0] === 'wait') {
          assert.ok(step[1] > now, `${c.name}: wait into the past`);
          waited = true;
          now = step[1];
        } else {
          assert.equal(step[0], 'done', c.name);
          found = step[1];
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof credmint.CredmintError)) throw error;
      failure = error;
    }
    assert.equal(exchanges.length, 0, `${c.name}: requests left unsent`);
    if (failure) {
      assert.ok(c.error, `${c.name}: ${failure.message}`);
      assert.equal(failure.code, c.error.code, `${c.name}: ${failure.message}`);
      for (const word of c.error.mentions) assert.ok(failure.message.includes(word), `${c.name}: ${failure.message} lacks ${word}`);
      continue;
    }
    assert.ok(!c.error, `${c.name}: expected ${c.error?.code}`);
    const got = {
      source: found.source, path: orNull(found.path), kind: found.credentials.kind, project_id: orNull(found.projectId),
      quota_project_id: orNull(found.credentials.quotaProjectId), files_read: filesRead,
    };
    if (waited) got.waited = true;
    assert.deepEqual(got, c.expect, c.name);
  }
  assert.ok(cases.length >= 15);
});

test('Credentials.fromJson: the same facts and codes through the package (options by the core\'s names)', () => {
  for (const c of vectorFile('credentials.json').cases) {
    const load = () => credmint.Credentials.fromJson(c.document, c.options);
    if ('error' in c) {
      // Key files go through ServiceAccountKey (WebCrypto): the same code, from the same core checks.
      assert.throws(load, isCode(c.error), c.name);
      continue;
    }
    const creds = load();
    assert.ok(creds instanceof credmint.DocumentCredentials, c.name);
    if (c.expect.kind === 'service_account') assert.ok(creds instanceof credmint.ServiceAccountCredentials, c.name);
    assert.deepEqual({ ...facts(creds), refresh_policy: c.expect.refresh_policy }, c.expect, c.name);
  }
});

test('Credentials.fromJson: camelCase options, objects, unknown options and wrong types refused', () => {
  const user = { type: 'authorized_user', client_id: 'c', client_secret: 'hunter2-secret', refresh_token: '1//refresh-secret' };
  const creds = credmint.Credentials.fromJson(user, { quotaProjectId: 'billed', tokenUri: 'http://127.0.0.1:1/token' });
  assert.equal(creds.kind, 'authorized_user');
  assert.equal(creds.quotaProjectId, 'billed');
  for (const shown of [String(creds), inspect(creds), JSON.stringify(creds)]) {
    assert.ok(!shown.includes('hunter2') && !shown.includes('refresh-secret'), shown);
  }
  assert.throws(() => credmint.Credentials.fromJson(user, { tokenUrx: 'https://x.example' }),
    (e) => isCode('invalid_argument')(e) && e.message.includes('token_urx'));
  assert.throws(() => credmint.Credentials.fromJson({ type: 'kerberos' }), isCode('invalid_key'));
  const broken = { ...user, client_id: 7 };
  assert.throws(() => credmint.Credentials.fromJson(broken),
    (e) => isCode('invalid_key')(e) && e.message.includes('client_id') && !e.message.includes('hunter2'));
  assert.throws(() => new credmint.ExternalAccountCredentials(user), isCode('invalid_key'));
  const key = JSON.parse(readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8'));
  assert.equal(credmint.Credentials.fromJson(key).quotaProjectId, undefined);
  assert.equal(credmint.Credentials.fromJson({ ...key, quota_project_id: 'in-file' }).quotaProjectId, 'in-file');
  assert.equal(credmint.Credentials.fromJson(key, { quotaProjectId: 'option' }).quotaProjectId, 'option');
});

test('getIdToken of a kind without ID tokens rejects with not_supported, before any request', async () => {
  let sent = 0;
  const fetch = () => { sent += 1; throw new Error('no requests expected'); };
  const creds = credmint.Credentials.fromJson(
    { type: 'authorized_user', client_id: 'c', client_secret: 's', refresh_token: 'r' }, { fetch },
  );
  await assert.rejects(creds.getIdToken('https://svc.example'), isCode('not_supported'));
  assert.equal(sent, 0);
});
