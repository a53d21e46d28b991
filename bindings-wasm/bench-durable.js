// A token served by a Durable Object against one minted, in one workerd run
// (`make bench-js`): each sample is one GET into the Worker, which asks a
// TokenCacheObject for the token. "served": the same object every time (its
// token is in memory); "minted": a new object each time, which reads its
// empty storage, mints (IBM API-key grant at `credmint serve`), seals and
// stores. Samples alternate; wall-clock p50 and p99 in milliseconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, startTokenCacheWorkerd } from './test/helpers.js';

const SAMPLES = Number(process.env.CREDMINT_BENCH_SAMPLES ?? 300);
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.round((p / 100) * (values.length - 1)))];

const emulator = await startEmulator();
const dir = mkdtempSync(join(tmpdir(), 'credmint-bench-do-'));
const workerd = await startTokenCacheWorkerd(dir, emulator.base, 'bench-worker-durable.js');
try {
  const get = async (object) => {
    const started = performance.now();
    const answer = await fetch(`${workerd.base}/?object=${object}`);
    await answer.text();
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 20; i += 1) { await get('shared'); await get(`warm-${i}`); }
  const served = [];
  const minted = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    served.push(await get('shared'));
    minted.push(await get(`fresh-${i}`));
  }
  const row = (name, values) => console.log(`${name.padEnd(44)} ${percentile(values, 50).toFixed(2).padStart(8)} ${percentile(values, 99).toFixed(2).padStart(8)}`);
  console.log(`\nToken through a Durable Object, ${SAMPLES} samples each, alternating (ms, wall clock)`);
  console.log(`${''.padEnd(44)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`);
  row('minted (new object: storage, mint, seal)', minted);
  row('served (the same object, token in memory)', served);
  console.log(`${'minted / served'.padEnd(44)} ${(percentile(minted, 50) / percentile(served, 50)).toFixed(2).padStart(7)}x ${(percentile(minted, 99) / percentile(served, 99)).toFixed(2).padStart(7)}x`);
} finally {
  await workerd.stop();
  rmSync(dir, { recursive: true, force: true });
  await emulator.stop();
}
