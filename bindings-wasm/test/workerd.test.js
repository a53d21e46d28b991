// A real Cloudflare runtime: workerd serves the example Worker, which gets an
// access token from `credmint serve` over fetch, caches it, mints an ID token
// and verifies it. The test calls the Worker and checks the answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { CI, startEmulator } from './helpers.js';

const here = new URL('../', import.meta.url).pathname;
let emulator;
let workerd;
let base;
let dir;

const freePort = () => new Promise((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

// capnp resolves `embed` paths relative to the config file.
function config(port, keyJson, jwksUrl) {
  const dist = (file) => JSON.stringify(relative(dir, join(here, 'dist', file)));
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed ${JSON.stringify(relative(dir, join(here, 'examples/cloudflare-worker/worker.js')))}),
    (name = "credmint", esModule = embed ${dist('workerd.js')}),
    (name = "api.js", esModule = embed ${dist('api.js')}),
    (name = "errors.js", esModule = embed ${dist('errors.js')}),
    (name = "credmint_wasm.js", esModule = embed ${dist('credmint_wasm.js')}),
    (name = "credmint_wasm_bg.wasm", wasm = embed ${dist('credmint_wasm_bg.wasm')}),
  ],
  bindings = [
    (name = "SA_KEY_JSON", text = ${JSON.stringify(keyJson)}),
    (name = "JWKS_URL", text = ${JSON.stringify(jwksUrl)}),
  ],
  globalOutbound = "loopback",
  compatibilityDate = "2026-11-01",
);
`;
}

before(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'credmint-workerd-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(port, emulator.keyFile(CI), `${emulator.base}/oauth2/v3/certs`));
  workerd = spawn(join(here, 'node_modules/.bin/workerd'), ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'inherit', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    try { await fetch(`${base}/none`); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error('workerd did not start');
});

after(async () => {
  workerd?.kill();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the Worker mints, caches and verifies through workerd', async () => {
  const first = await (await fetch(`${base}/token`)).json();
  assert.ok(first.length > 10, JSON.stringify(first));
  const expires = Date.parse(first.expiresAt);
  assert.ok(expires > Date.now() + 3500_000);
  const second = await (await fetch(`${base}/token`)).json();
  assert.equal(second.expiresAt, first.expiresAt, 'cached in the isolate');
  const { idToken } = await (await fetch(`${base}/id-token?aud=https://svc.example`)).json();
  assert.ok(idToken.split('.').length === 3);
  const verified = await (await fetch(`${base}/verify?aud=https://svc.example&token=${idToken}`)).json();
  assert.equal(verified.claims.email, CI);
  const refused = await (await fetch(`${base}/verify?aud=https://other.example&token=${idToken}`)).json();
  assert.equal(refused.error, 'audience_mismatch');
});
