// Secrets under fault: a hostile token server that echoes each request back
// inside its error, redirects to another host, or answers with binary or huge
// bodies. No secret (refresh token, client secret, API key, assertion) may
// appear in an error's message, its inspect() form or its fields; no redirect
// is followed; every failure is a typed CredmintError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
const credmint = await import(process.env.CREDMINT_ENTRY ?? '../dist/node.js');
import { VECTORS } from './helpers.js';

const REFRESH = '1//0g-hostile-refresh-token-ABC123';
const CLIENT_SECRET = 'GOCSPX-hostile-client-secret-XYZ';
const API_KEY = 'hostile-ibm-api-key-0123456789';
const OAUTH_SECRET = 'hostile-oauth-client-secret-456';
// Every RS256 assertion starts with this header, form-encoded or not.
const ASSERTION = 'eyJhbGciOiJSUzI1NiIs';

/** A loopback server whose answers `behaviour(request, body, response)` makes. */
async function serve(behaviour) {
  const requests = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(request.url);
      behaviour(request, body, response);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

const json = (response, status, value) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
};
const said = (request, body) => `${body.toString()} ${request.headers.authorization ?? ''}`;
const behaviours = {
  'echo-oauth': (request, body, response) => json(response, 400, {
    error: 'invalid_grant', error_description: said(request, body), errorCode: 'BXNIM0415E', errorMessage: said(request, body),
  }),
  'echo-google': (request, body, response) => json(response, 403, {
    error: { code: 403, message: said(request, body), status: 'PERMISSION_DENIED' },
  }),
  binary: (request, body, response) => {
    response.writeHead(400, { 'content-type': 'application/octet-stream' });
    response.end(Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), body]));
  },
};

function documents(url) {
  const key = JSON.parse(readFileSync(new URL('keys/google_service_account.json', VECTORS), 'utf8'));
  const keyLines = key.private_key.split('\n').filter((line) => line && !line.startsWith('-----'));
  return [
    ['authorized_user', credmint.Credentials.fromJson(JSON.stringify({
      type: 'authorized_user', client_id: 'hostile.apps.googleusercontent.com', client_secret: CLIENT_SECRET, refresh_token: REFRESH,
    }), { token_uri: `${url}/token` }), [REFRESH, CLIENT_SECRET]],
    ['ibm_api_key', credmint.Credentials.fromJson(JSON.stringify({ type: 'ibm_api_key', apikey: API_KEY }), { token_uri: url }), [API_KEY]],
    ['oauth_client_credentials', credmint.Credentials.fromJson(JSON.stringify({
      type: 'oauth_client_credentials', token_url: `${url}/oauth/token`, client_id: 'hostile-client', client_secret: OAUTH_SECRET, scopes: ['credentials.read'],
    })), [OAUTH_SECRET]],
    ['service_account', credmint.Credentials.fromJson(JSON.stringify(key), { token_uri: `${url}/token` }), [...keyLines, ASSERTION]],
  ];
}

async function failure(credentials) {
  try {
    await credentials.getAccessToken();
  } catch (error) {
    return error;
  }
  assert.fail('the hostile server produced a token');
}

const shown = (error) => [String(error), error.message, inspect(error, { depth: 5 }), JSON.stringify(error),
  String(error.remoteCode), String(error.reason), String(error.permission)].join('\n');

for (const [name, behaviour] of Object.entries(behaviours)) {
  test(`a hostile error body never carries a secret: ${name}`, async () => {
    const server = await serve(behaviour);
    try {
      for (const [kind, credentials, secrets] of documents(server.url)) {
        const error = await failure(credentials);
        assert.ok(error instanceof credmint.CredmintError, `${kind}: ${error}`);
        assert.ok(['credential_rejected', 'permission_denied', 'remote_error'].includes(error.code), `${kind}: ${error.code}`);
        if (name === 'echo-oauth') assert.match(error.message, /\[redacted\]/, kind);
        for (const secret of secrets) assert.ok(!shown(error).includes(secret), `${kind}: a secret in ${shown(error)}`);
      }
    } finally {
      await server.close();
    }
  });
}

test('a redirect is not followed with credentials', async () => {
  const elsewhere = await serve((request, body, response) => json(response, 200, {}));
  const redirector = await serve((request, body, response) => {
    response.writeHead(307, { location: `${elsewhere.url}/steal` });
    response.end();
  });
  try {
    for (const [kind, credentials, secrets] of documents(redirector.url)) {
      const error = await failure(credentials);
      assert.equal(error.code, 'invalid_response', kind);
      assert.match(error.message, /redirect/, kind);
      for (const secret of secrets) assert.ok(!shown(error).includes(secret), kind);
    }
    assert.deepEqual(elsewhere.requests, [], 'a redirect was followed');
    assert.equal(redirector.requests.length, 4);
  } finally {
    await redirector.close();
    await elsewhere.close();
  }
});

test('a huge answer is refused, not read whole', async () => {
  const server = await serve((request, body, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(`{"access_token": "${'A'.repeat(12 * 1024 * 1024)}"}`);
  });
  try {
    for (const [kind, credentials] of documents(server.url)) {
      const error = await failure(credentials);
      assert.equal(error.code, 'invalid_response', kind);
      assert.ok(!error.message.includes('AAAAAAAAAAAAAAAA'), kind);
    }
  } finally {
    await server.close();
  }
});
