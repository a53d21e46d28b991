// Shared test helpers: the vectors and `credmint serve` on loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
export async function startEmulator() {
  const dir = mkdtempSync(join(tmpdir(), 'credmint-js-'));
  const binary = process.env.CREDMINT_BIN ?? new URL('target/debug/credmint', ROOT).pathname;
  const child = spawn(binary, ['serve', '--port', '0', '--keys-dir', join(dir, 'keys')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`credmint serve exited ${code}`)));
  });
  return {
    base,
    keyFile: (email) => readFileSync(join(dir, 'keys', `${email}.json`), 'utf8'),
    async stop() {
      lines.close();
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
