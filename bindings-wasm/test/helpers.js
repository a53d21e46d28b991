// Shared test helpers: the vectors and `credmint serve` on loopback.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../../', import.meta.url);
export const VECTORS = new URL('tests/vectors/', ROOT);
export const CI = 'ci-runner@demo-project.iam.gserviceaccount.com';
export const DEPLOYER = 'deployer@demo-project.iam.gserviceaccount.com';
export const SIGNER = 'storage-signer@demo-project.iam.gserviceaccount.com';
export const PROVIDER = '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/ci-oidc';
export const APIKEY = 'demo-ibm-apikey-0123456789';
export const ADMIN = ['cred-admin', 'demo-admin-secret-0123456789'];

export function vectorFile(name) {
  return JSON.parse(readFileSync(new URL(name, VECTORS), 'utf8'));
}

export function vectorText(reference) {
  return 'file' in reference ? readFileSync(new URL(reference.file, VECTORS), 'utf8') : reference.text;
}

/** `credmint serve --port 0 --keys-dir DIR` as a child process. */
/** `credmint serve` on a free port; `lifetime`: seconds every token it mints lives (default 3600). */
export async function startEmulator({ lifetime } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'credmint-js-'));
  const binary = process.env.CREDMINT_BIN ?? new URL('target/debug/credmint', ROOT).pathname;
  const config = [];
  if (lifetime !== undefined) {
    const example = readFileSync(new URL('emulator/examples/emulator.toml', ROOT), 'utf8');
    writeFileSync(join(dir, 'emulator.toml'), `access_token_lifetime_secs = ${lifetime}\n${example}`);
    config.push('--config', join(dir, 'emulator.toml'));
  }
  const child = spawn(binary, ['serve', '--port', '0', '--keys-dir', join(dir, 'keys'), ...config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`credmint serve exited ${code}`)));
  });
  return {
    base,
    /** How many requests each route has had (`GET /_emulator/stats`). */
    async requests(route) {
      const { requests } = await (await fetch(`${base}/_emulator/stats`)).json();
      return requests[route] ?? 0;
    },
    keyFile: (email) => readFileSync(join(dir, 'keys', `${email}.json`), 'utf8'),
    keyPath: (name) => join(dir, 'keys', name),
    async stop() {
      lines.close();
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PACKAGE = new URL('../', import.meta.url).pathname;

export const freePort = () => new Promise((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

// The modules beside a Worker: the npm package as users install it, jose's
// WebCrypto build (for the side-by-side benchmark, imported as ./jose/index.js),
// or nothing (the bare-WebCrypto floor).
export const PACKAGE_MODULES = [
  ['credmint', 'esModule', 'dist/workerd.js'], ['api.js', 'esModule', 'dist/api.js'],
  ['errors.js', 'esModule', 'dist/errors.js'], ['host.js', 'esModule', 'dist/host.js'],
  ['shared.js', 'esModule', 'dist/shared.js'], ['durable.js', 'esModule', 'dist/durable.js'],
  ['credmint_wasm.js', 'esModule', 'dist/credmint_wasm.js'], ['credmint_wasm_bg.wasm', 'wasm', 'dist/credmint_wasm_bg.wasm'],
];
function joseModules() {
  const base = 'node_modules/jose/dist/webapi';
  return readdirSync(join(PACKAGE, base), { recursive: true })
    .filter((file) => file.endsWith('.js'))
    .map((file) => [`jose/${file}`, 'esModule', `${base}/${file}`]);
}
const MODULE_SETS = { credmint: () => PACKAGE_MODULES, jose: joseModules, none: () => [] };

// capnp resolves `embed` paths relative to the config file.
function workerdConfig(dir, port, keyJson, jwksUrl, worker, moduleSet) {
  const embed = (path) => JSON.stringify(relative(dir, join(PACKAGE, path)));
  const modules = MODULE_SETS[moduleSet]()
    .map(([name, type, path]) => `    (name = ${JSON.stringify(name)}, ${type} = embed ${embed(path)}),`).join('\n');
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
    (name = "worker.js", esModule = embed ${embed(worker)}),
${modules}
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

/**
 * A Worker (by default the example) under `workerd serve`, with ci-runner's key
 * from the emulator; `modules`: `credmint` (the package), `jose` or `none`.
 */
export async function startWorkerd(emulator, { worker = 'examples/cloudflare-worker/worker.js', modules = 'credmint' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'credmint-workerd-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'),
    workerdConfig(dir, port, emulator.keyFile(CI), `${emulator.base}/oauth2/v3/certs`, worker, modules));
  const child = spawn(join(PACKAGE, 'node_modules/.bin/workerd'), ['serve', join(dir, 'config.capnp')],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i += 1) {
    try {
      await fetch(`${base}/none`);
      return { base, pid: child.pid, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stop();
  throw new Error('workerd did not start');
}

const TOKEN_CACHE_SECRET = btoa('durable-object-test-secret-0123456789');

function tokenCacheConfig(dir, port, emulatorBase, worker) {
  const embed = (path) => JSON.stringify(relative(dir, join(PACKAGE, path)));
  const modules = PACKAGE_MODULES
    .map(([name, type, path]) => `    (name = ${JSON.stringify(name)}, ${type} = embed ${embed(path)}),`).join('\n');
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
    (name = "disk", disk = (path = ${JSON.stringify(join(dir, 'storage'))}, writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed ${embed(worker)}),
${modules}
  ],
  bindings = [
    (name = "TOKENS", durableObjectNamespace = "Tokens"),
    (name = "CREDMINT_CREDENTIALS", text = ${JSON.stringify(JSON.stringify({ type: 'ibm_api_key', apikey: APIKEY, url: emulatorBase }))}),
    (name = "CREDMINT_CACHE_SECRET", text = ${JSON.stringify(TOKEN_CACHE_SECRET)}),
  ],
  durableObjectNamespaces = [ (className = "Tokens", uniqueKey = "credmint-token-cache-test") ],
  durableObjectStorage = (localDisk = "disk"),
  globalOutbound = "loopback",
  compatibilityDate = "2026-11-01",
);
`;
}

/**
 * workerd with a Worker whose Durable Object class `Tokens` serves IBM tokens
 * from the emulator (default: examples/token-cache-worker); `dir` keeps its
 * Durable Object storage across restarts.
 */
export async function startTokenCacheWorkerd(dir, emulatorBase, worker = 'examples/token-cache-worker/worker.js') {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), tokenCacheConfig(dir, port, emulatorBase, worker));
  const child = spawn(join(PACKAGE, 'node_modules/.bin/workerd'), ['serve', '--experimental', join(dir, 'config.capnp')],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  const stop = async () => {
    child.kill();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    try {
      await fetch(`${base}/none`, { signal: AbortSignal.timeout(500) }).then((r) => r.body?.cancel());
      return { base, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stop();
  throw new Error('workerd did not start');
}

