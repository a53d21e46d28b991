// CPU time in workerd, read from /proc/<pid>/task/*/schedstat around each
// request (time is frozen inside a Worker, so it cannot time itself):
//  1. the example Worker: startup (its global scope calls warmUp()), then
//     GET /token cold (a fresh isolate parses the key, imports it into
//     WebCrypto, signs, fetches the token from `credmint serve`) and cached. "isolate thread" is the thread that runs JavaScript, which is
//     what Cloudflare bills; "all threads" adds V8's background compiler threads.
//  2. per-operation CPU in an isolate (bench-worker.js): N runs minus an empty request.
// `make bench-js` runs it after bench.js.
import { readdirSync, readFileSync } from 'node:fs';
import { startEmulator, startWorkerd } from './test/helpers.js';

function cpuNanos(pid) {
  let isolate = 0;
  let all = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const nanos = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    all += nanos;
    if (readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim() === 'workerd') isolate += nanos;
  }
  return { isolate, all };
}

async function measured(pid, url) {
  const before = cpuNanos(pid);
  const response = await fetch(url);
  await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const after = cpuNanos(pid);
  return { isolate: (after.isolate - before.isolate) / 1e6, all: (after.all - before.all) / 1e6 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const emulator = await startEmulator();
const startup = [];
const cold = [];
const warm = [];
const perOp = {};
try {
  for (let run = 0; run < 7; run += 1) {
    const workerd = await startWorkerd(emulator);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const booted = cpuNanos(workerd.pid);
      startup.push({ isolate: booted.isolate / 1e6, all: booted.all / 1e6 });
      cold.push(await measured(workerd.pid, `${workerd.base}/token`));
      for (let i = 0; i < 5; i += 1) warm.push(await measured(workerd.pid, `${workerd.base}/token`));
    } finally {
      await workerd.stop();
    }
  }
  const workerd = await startWorkerd(emulator, { worker: 'bench-worker.js' });
  try {
    const ops = await (await fetch(`${workerd.base}/bench?op=none`)).json();
    for (const op of ops) {
      const n = op.includes('wasm') ? 20 : 200;
      const url = `${workerd.base}/bench?op=${encodeURIComponent(op)}`;
      await measured(workerd.pid, `${url}&n=${n}`); // warm up
      const samples = [];
      for (let i = 0; i < 5; i += 1) {
        const empty = await measured(workerd.pid, `${url}&n=0`);
        const full = await measured(workerd.pid, `${url}&n=${n}`);
        samples.push(((full.isolate - empty.isolate) * 1000) / n);
      }
      perOp[op] = median(samples);
    }
  } finally {
    await workerd.stop();
  }
} finally {
  await emulator.stop();
}
const ms = (list, field, digits) => median(list.map((m) => m[field])).toFixed(digits);
console.log('workerd, example Worker GET /token (medians of 7 fresh isolates)');
console.log(`  process start to ready (config, modules, the Worker's global scope with warmUp(), one 404): ${ms(startup, 'isolate', 1)} ms CPU on the isolate thread, ${ms(startup, 'all', 1)} ms on all threads`);
console.log(`  cold isolate: ${ms(cold, 'isolate', 1)} ms CPU on the isolate thread, ${ms(cold, 'all', 1)} ms on all threads`);
console.log(`  cached token: ${ms(warm, 'isolate', 2)} ms CPU on the isolate thread, ${ms(warm, 'all', 2)} ms on all threads`);
console.log('workerd, CPU per operation on the isolate thread (warm isolate)');
for (const [op, micros] of Object.entries(perOp)) console.log(`  ${op.padEnd(26)} ${micros.toFixed(1).padStart(8)} µs`);
