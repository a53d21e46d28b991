// A real browser: headless Chromium (Debian's package) loads a page that
// imports the package's browser entry, signs with WebCrypto and verifies;
// the test reads the result. Skipped only where no Chromium is installed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { VECTORS } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = new URL('../dist/', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const page = (keyJson) => `<!doctype html><meta charset="utf-8"><title>credmint</title>
<script type="module">
  import { ServiceAccountKey, verify, CredmintError } from '/dist/web.js';
  try {
    const key = ServiceAccountKey.fromJSON(${JSON.stringify(keyJson)});
    const webCrypto = key.usesWebCrypto();
    const { signedJwt } = await key.signJwt({ aud: 'https://svc.example', sub: 'browser' }, { now: 1700000000 });
    const claims = verify(signedJwt, key.jwks(), { audience: 'https://svc.example', now: 1700000000 });
    let refused = null;
    try { verify(signedJwt, key.jwks(), { audience: 'https://other', now: 1700000000 }); } catch (e) { refused = e instanceof CredmintError ? e.code : String(e); }
    window.__result = { webCrypto, sub: claims.sub, refused, jwt: signedJwt };
  } catch (error) {
    window.__result = { error: String(error && error.stack || error) };
  }
</script>`;

test('headless Chromium signs with WebCrypto and verifies', { skip: !existsSync(CHROMIUM) && 'no Chromium here' }, async () => {
  const { chromium } = await import('playwright-core');
  const keyJson = readFileSync(new URL('keys/sa_2048_pkcs8.json', VECTORS), 'utf8');
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://localhost');
    if (url.pathname === '/') {
      response.setHeader('content-type', 'text/html');
      response.end(page(keyJson));
      return;
    }
    const file = normalize(join(dist, url.pathname.replace(/^\/dist\//, '')));
    if (!url.pathname.startsWith('/dist/') || !file.startsWith(dist) || !existsSync(file)) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', types[extname(file)] ?? 'application/octet-stream');
    response.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
    const result = await tab.evaluate(() => window.__result);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.webCrypto, true);
    assert.equal(result.sub, 'browser');
    assert.equal(result.refused, 'audience_mismatch');
    // Byte-identical to what the package signs in Node for the same claims and time.
    const { ServiceAccountKey } = await import('../dist/node.js');
    const node = await ServiceAccountKey.fromJSON(keyJson).signJwt({ aud: 'https://svc.example', sub: 'browser' }, { now: 1700000000 });
    assert.equal(result.jwt, node.signedJwt);
  } finally {
    await browser.close();
    server.close();
  }
});
