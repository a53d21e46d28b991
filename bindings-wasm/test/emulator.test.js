// Every credential type end to end against `credmint serve` over loopback
// with fetch: success and error paths, caching, single flight, redaction.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as credmint from '../dist/node.js';
import { maxResponseBody } from '../dist/credmint_wasm.js';
import { ADMIN, APIKEY, CI, DEPLOYER, PROVIDER, SIGNER, startEmulator } from './helpers.js';

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator.stop(); });

const getJson = async (path) => (await fetch(`${emulator.base}${path}`)).json();

function checkToken(token, lifetime = 3600) {
  assert.ok(token.token.length > 10);
  assert.ok(token.expiresAt instanceof Date);
  const remaining = (token.expiresAt.getTime() - Date.now()) / 1000;
  assert.ok(remaining > lifetime - 30 && remaining <= lifetime + 1, String(remaining));
  for (const shown of [String(token), JSON.stringify(token), inspect(token)]) assert.ok(!shown.includes(token.token));
}

function source(options = {}) {
  return new credmint.ServiceAccountCredentials(credmint.ServiceAccountKey.fromJSON(emulator.keyFile(CI), options.key), options);
}

test('service account: access token, ID token, cache and single flight', async () => {
  let sent = 0;
  const counting = (url, init) => { sent += 1; return fetch(url, init); };
  const credentials = source({ fetch: counting });
  const tokens = await Promise.all(Array.from({ length: 16 }, () => credentials.getAccessToken()));
  assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
  assert.equal(sent, 1, 'one refresh for sixteen concurrent callers');
  checkToken(tokens[0]);
  const idToken = await credentials.getIdToken('https://svc.example');
  const claims = credmint.verify(idToken.token, await getJson('/oauth2/v3/certs'), { audience: 'https://svc.example', issuer: 'https://accounts.google.com' });
  assert.equal(claims.email, CI);
});

test('service account with pure-wasm signing', async () => {
  checkToken(await source({ key: { signing: 'wasm' } }).getAccessToken());
});

test('impersonation chain and IAM calls', async () => {
  const signer = new credmint.ImpersonatedCredentials(source(), SIGNER, { delegates: [DEPLOYER], endpoint: emulator.base, lifetime: 900 });
  checkToken(await signer.getAccessToken(), 900);
  const blob = await signer.signBlob(new TextEncoder().encode('payload'));
  assert.ok(blob.keyId in await getJson(`/service_accounts/v1/metadata/x509/${SIGNER}`));
  const jwt = await signer.signJwt({ iss: SIGNER, aud: 'https://api.example' });
  assert.equal(credmint.verify(jwt.signedJwt, await getJson(`/service_accounts/v1/jwk/${SIGNER}`), { audience: 'https://api.example' }).iss, SIGNER);
  const idToken = await signer.getIdToken('https://run.example', { includeEmail: true });
  assert.equal(credmint.verify(idToken.token, await getJson('/oauth2/v3/certs'), { audience: 'https://run.example' }).email, SIGNER);
  assert.deepEqual(await signer.allowedLocations(), { locations: ['us-central1', 'europe-west1'], encodedLocations: '0x11' });
});

test('IAM refusals are typed errors', async () => {
  const denied = new credmint.ImpersonatedCredentials(source(), SIGNER, { endpoint: emulator.base });
  await assert.rejects(denied.getAccessToken(), (e) => e instanceof credmint.CredmintError
    && e.code === 'permission_denied' && e.status === 403 && e.remoteCode === 'PERMISSION_DENIED'
    && e.reason === 'IAM_PERMISSION_DENIED' && e.permission === 'iam.serviceAccounts.getAccessToken' && !e.retryable);
  const tooLong = new credmint.ImpersonatedCredentials(source(), DEPLOYER, { endpoint: emulator.base, lifetime: 7200 });
  await assert.rejects(tooLong.getAccessToken(), (e) => e.code === 'remote_error' && e.status === 400);
});

test('IBM API key', async () => {
  const ibm = new credmint.IbmApiKeyCredentials(APIKEY, { url: emulator.base });
  const token = await ibm.getAccessToken();
  checkToken(token);
  assert.ok(token.refreshToken);
  assert.ok(!inspect(ibm).includes(APIKEY) && !String(ibm).includes(APIKEY) && !JSON.stringify(ibm).includes(APIKEY));
  await assert.rejects(new credmint.IbmApiKeyCredentials('wrong', { url: emulator.base }).getAccessToken(),
    (e) => e.code === 'credential_rejected' && e.remoteCode === 'BXNIM0415E');
});

test('client credentials and k0rdent listing', async () => {
  const admin = new credmint.ClientCredentials({ tokenUrl: `${emulator.base}/token`, clientId: ADMIN[0], clientSecret: ADMIN[1] });
  assert.ok(!inspect(admin).includes(ADMIN[1]) && !JSON.stringify(admin).includes(ADMIN[1]));
  const items = [];
  for await (const item of credmint.listCredentials({ baseUrl: emulator.base, accountId: 'sa-pipeline-prod', token: admin, pageSize: 1 })) {
    items.push(item);
  }
  assert.deepEqual(items.map((c) => [c.id, c.status]), [['cred-001', 'active'], ['cred-000', 'expired']]);
  assert.equal(items[0].expiresAt.getUTCFullYear(), 2099);
  const pipeline = new credmint.ClientCredentials({ tokenUrl: `${emulator.base}/token`, clientId: 'cred-001', clientSecret: 'demo-pipeline-secret-001' });
  await assert.rejects(async () => {
    for await (const _ of credmint.listCredentials({ baseUrl: emulator.base, accountId: 'sa-pipeline-prod', token: pipeline })) { /* none */ }
  }, (e) => e.code === 'permission_denied');
  await assert.rejects(new credmint.ClientCredentials({ tokenUrl: `${emulator.base}/token`, clientId: 'cred-001', clientSecret: 'x' }).getAccessToken(),
    (e) => e.code === 'credential_rejected');
});

test('workload identity federation: supplier and URL sources', async () => {
  const providerKey = credmint.ServiceAccountKey.fromJSON(emulator.keyFile('idp-0'));
  const { signedJwt } = await providerKey.signJwt({ iss: 'https://ci.example.com', sub: 'repo:acme/app', aud: PROVIDER, iat: Math.floor(Date.now() / 1000) });
  const config = {
    type: 'external_account', audience: PROVIDER, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${emulator.base}/v1/token`,
    service_account_impersonation_url: `${emulator.base}/v1/projects/-/serviceAccounts/${SIGNER}:generateAccessToken`,
    credential_source: { file: '/not/used' },
  };
  checkToken(await new credmint.ExternalAccountCredentials(config, { subjectTokenSupplier: () => signedJwt }).getAccessToken());
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ id_token: signedJwt }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const fromUrl = new credmint.ExternalAccountCredentials({
      ...config,
      credential_source: { url: `http://127.0.0.1:${server.address().port}/token`, format: { type: 'json', subject_token_field_name: 'id_token' } },
    });
    checkToken(await fromUrl.getAccessToken());
  } finally {
    server.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'credmint-source-'));
  try {
    const path = join(dir, 'token.json');
    writeFileSync(path, JSON.stringify({ id_token: signedJwt }));
    const file = { file: path, format: { type: 'json', subject_token_field_name: 'id_token' } };
    checkToken(await new credmint.ExternalAccountCredentials({ ...config, credential_source: file }).getAccessToken());
    // Past the core's limit a file is refused whole (read to one byte more), never cut to a prefix.
    writeFileSync(path, `${signedJwt}${' '.repeat(maxResponseBody())}`);
    await assert.rejects(new credmint.ExternalAccountCredentials({ ...config, credential_source: { file: path } }).getAccessToken(),
      (e) => e.code === 'invalid_argument' && e.message.includes('limit'));
    // A missing source file is the core's credentials_not_found, naming the path.
    const missing = { file: join(dir, 'missing'), format: { type: 'text' } };
    await assert.rejects(new credmint.ExternalAccountCredentials({ ...config, credential_source: missing }).getAccessToken(),
      (e) => e.code === 'credentials_not_found' && e.message.includes(join(dir, 'missing')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server answering HTML 502 and a refused connection are typed errors', async () => {
  const server = createServer((request, response) => {
    response.statusCode = 502;
    response.setHeader('content-type', 'text/html');
    response.end('<html><body>Bad Gateway</body></html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const key = credmint.ServiceAccountKey.fromJSON(emulator.keyFile(CI));
  try {
    const credentials = new credmint.ServiceAccountCredentials(key, { tokenUri: `http://127.0.0.1:${server.address().port}/token` });
    await assert.rejects(credentials.getAccessToken(), (e) => e.code === 'server_error' && e.status === 502 && e.retryable);
  } finally {
    server.close();
  }
  const refused = new credmint.ServiceAccountCredentials(key, { tokenUri: 'http://127.0.0.1:9/token' });
  await assert.rejects(refused.getAccessToken(), (e) => e.code === 'transport_error' && e.retryable);
});

test('workload identity federation: an executable source (Node)', async () => {
  const providerKey = credmint.ServiceAccountKey.fromJSON(emulator.keyFile('idp-0'));
  const now = Math.floor(Date.now() / 1000);
  const { signedJwt } = await providerKey.signJwt({ iss: 'https://ci.example.com', sub: 'job-9', aud: PROVIDER, iat: now });
  const tokenType = 'urn:ietf:params:oauth:token-type:jwt';
  const output = JSON.stringify({ version: 1, success: true, token_type: tokenType, id_token: signedJwt, expiration_time: now + 600 });
  const dir = mkdtempSync(join(tmpdir(), 'credmint-exe-'));
  const script = join(dir, 'token.sh');
  writeFileSync(script, `#!/bin/sh\necho "$GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE $1" > ${join(dir, 'env.txt')}\ncat <<'EOF'\n${output}\nEOF\n`, { mode: 0o700 });
  const config = (command, extra = {}) => ({
    type: 'external_account', audience: PROVIDER, subject_token_type: tokenType, token_url: `${emulator.base}/v1/token`,
    credential_source: { executable: { command, ...extra } },
  });
  const previous = process.env.GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES;
  try {
    delete process.env.GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES;
    await assert.rejects(new credmint.ExternalAccountCredentials(config(`${script} arg1`)).getAccessToken(),
      (e) => e.code === 'invalid_argument' && e.message.includes('GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES'));
    process.env.GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES = '1';
    checkToken(await new credmint.ExternalAccountCredentials(config(`${script} arg1`)).getAccessToken());
    assert.equal(readFileSync(join(dir, 'env.txt'), 'utf8').trim(), `${PROVIDER} arg1`);
    const cached = join(dir, 'cached.json');
    writeFileSync(cached, output);
    checkToken(await new credmint.ExternalAccountCredentials(config('/bin/false', { output_file: cached })).getAccessToken());
    await assert.rejects(new credmint.ExternalAccountCredentials(config('/bin/false')).getAccessToken(),
      (e) => e.code === 'invalid_argument' && e.message.includes('exited with status 1'));
  } finally {
    if (previous === undefined) delete process.env.GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES;
    else process.env.GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES = previous;
    rmSync(dir, { recursive: true, force: true });
  }
});
