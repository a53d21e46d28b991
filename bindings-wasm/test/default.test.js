// Credentials.fromFile and defaultCredentials() in Node against `credmint
// serve`: the environment and the file system answer the core's ADC
// questions, fetch sends its requests (the metadata server included).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// CREDMINT_ENTRY picks the loader (Deno: ../dist/web.js, which uses Deno's own file and env APIs).
const credmint = await import(process.env.CREDMINT_ENTRY ?? '../dist/node.js');
import { CI, DEPLOYER, startEmulator } from './helpers.js';

const ADC_ENV = ['GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'GCE_METADATA_HOST', 'GCE_METADATA_ROOT',
  'GCE_METADATA_IP', 'NO_GCE_CHECK', 'METADATA_SERVER_DETECTION', 'K_SERVICE', 'FUNCTION_NAME', 'CLOUD_RUN_JOB',
  'GAE_SERVICE', 'GOOGLE_CLOUD_QUOTA_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT'];
const saved = Object.fromEntries(ADC_ENV.map((name) => [name, process.env[name]]));

let emulator;
let gcloud; // an empty gcloud configuration directory: no well-known file
before(async () => { emulator = await startEmulator(); gcloud = mkdtempSync(join(tmpdir(), 'credmint-gcloud-')); });
after(async () => {
  await emulator.stop();
  rmSync(gcloud, { recursive: true, force: true });
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
beforeEach(() => {
  for (const name of ADC_ENV) delete process.env[name];
  process.env.CLOUDSDK_CONFIG = gcloud;
});

const certs = async () => (await fetch(`${emulator.base}/oauth2/v3/certs`)).json();
const isCode = (code) => (error) => error instanceof credmint.CredmintError && error.code === code;

function checkToken(token) {
  assert.ok(token.token.length > 10);
  assert.ok(token.expiresAt.getTime() > Date.now());
}

test('defaultCredentials() finds the metadata server at GCE_METADATA_HOST', async () => {
  process.env.GCE_METADATA_HOST = emulator.base.replace('http://', '');
  const started = performance.now();
  const { credentials, projectId } = await credmint.defaultCredentials();
  const token = await credentials.getAccessToken();
  const elapsed = performance.now() - started;
  console.log(`ADC to the first metadata token against the emulator: ${elapsed.toFixed(1)} ms`);
  assert.equal(credentials.kind, 'gce_metadata');
  assert.equal(projectId, 'demo-project');
  checkToken(token);
  assert.equal((await credentials.getAccessToken()).token, token.token, 'cached');
  const idToken = await credentials.getIdToken('https://svc.example');
  const claims = credmint.verify(idToken.token, await certs(), { audience: 'https://svc.example' });
  assert.equal(claims.email, CI);
});

test('GOOGLE_APPLICATION_CREDENTIALS naming a missing file is credentials_not_found naming it', async () => {
  const missing = join(gcloud, 'nope.json');
  process.env.GOOGLE_APPLICATION_CREDENTIALS = missing;
  process.env.GCE_METADATA_HOST = emulator.base.replace('http://', ''); // never asked: no fall-through
  await assert.rejects(credmint.defaultCredentials(), (e) => isCode('credentials_not_found')(e)
    && e.message.includes('GOOGLE_APPLICATION_CREDENTIALS') && e.message.includes(missing));
  process.env.GOOGLE_APPLICATION_CREDENTIALS = gcloud; // a directory: unreadable, with the host's code
  await assert.rejects(credmint.defaultCredentials(), (e) => isCode('credentials_not_found')(e) && e.message.includes('EISDIR'));
});

test('GOOGLE_APPLICATION_CREDENTIALS naming a key file: its account and project', async () => {
  process.env.GOOGLE_APPLICATION_CREDENTIALS = emulator.keyPath(`${CI}.json`);
  process.env.GOOGLE_CLOUD_QUOTA_PROJECT = 'env-quota';
  const { credentials, projectId } = await credmint.defaultCredentials();
  assert.deepEqual([credentials.kind, credentials.serviceAccountEmail, projectId, credentials.quotaProjectId],
    ['service_account', CI, 'demo-project', 'env-quota']);
  checkToken(await credentials.getAccessToken());
});

test('no metadata server (loopback refused) fails fast', async () => {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const { port: p } = probe.address(); probe.close(() => resolve(p)); });
  });
  process.env.GCE_METADATA_HOST = `127.0.0.1:${port}`;
  process.env.METADATA_SERVER_DETECTION = 'ping-only';
  const started = performance.now();
  await assert.rejects(credmint.defaultCredentials(), (e) => isCode('credentials_not_found')(e) && e.message.includes('2 attempts'));
  const elapsed = performance.now() - started;
  console.log(`no metadata server (loopback refused) to the ADC error: ${elapsed.toFixed(1)} ms`);
  assert.ok(elapsed < 1000, String(elapsed));
});

test('a key inside a document (a key file, an impersonated source) is signed by WebCrypto, not in wasm', async () => {
  let signatures = 0;
  const original = globalThis.crypto.subtle.sign;
  globalThis.crypto.subtle.sign = function counted(...args) { signatures += 1; return original.apply(this, args); };
  try {
    const keyFile = emulator.keyFile(CI);
    const impersonated = {
      type: 'impersonated_service_account',
      service_account_impersonation_url: `${emulator.base}/v1/projects/-/serviceAccounts/${DEPLOYER}:generateAccessToken`,
      source_credentials: JSON.parse(keyFile),
    };
    for (const [name, document] of [['key file', keyFile], ['impersonated source', impersonated]]) {
      const before = signatures;
      checkToken(await credmint.Credentials.fromJson(document).getAccessToken());
      assert.ok(signatures > before, `${name}: WebCrypto signed`);
      const inWasm = signatures;
      checkToken(await credmint.Credentials.fromJson(document, { signing: 'wasm' }).getAccessToken());
      assert.equal(signatures, inWasm, `${name}: signing 'wasm' keeps WebCrypto out`);
    }
  } finally {
    globalThis.crypto.subtle.sign = original;
  }
});

for (const [file, kind] of [['authorized_user.json', 'authorized_user'],
  ['impersonated_service_account.json', 'impersonated_service_account'],
  ['external_account_authorized_user.json', 'external_account_authorized_user']]) {
  test(`Credentials.fromFile: the emulator's ${file} gives a token`, async () => {
    const credentials = await credmint.Credentials.fromFile(emulator.keyPath(file));
    assert.equal(credentials.kind, kind);
    checkToken(await credentials.getAccessToken());
    if (kind === 'impersonated_service_account') {
      const idToken = await credentials.getIdToken('https://svc.example');
      const claims = credmint.verify(idToken.token, await certs(), { audience: 'https://svc.example' });
      assert.equal(claims.email, credentials.serviceAccountEmail);
    } else {
      await assert.rejects(credentials.getIdToken('https://svc.example'), isCode('not_supported'));
    }
  });
}
