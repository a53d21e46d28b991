// CPU time in workerd, read from /proc/<pid>/task/*/schedstat around each
// request (time is frozen inside a Worker, so it cannot time itself):
//  1. the same GET /token job three ways, interleaved in one run, each in fresh
//     workerd processes: the example Worker (credmint, its global scope calls
//     warmUp()), the job written with jose (bench-worker-jose.js) and with bare
//     WebCrypto and fetch (bench-worker-webcrypto.js, the floor). Startup is
//     process start to ready; cold is the first GET /token in the fresh isolate
//     (key parse, WebCrypto import, signature, the token request to
//     `credmint serve`); cached is a later one. Ratios are against the floor.
//     "isolate thread" is the thread that runs JavaScript, which is what
//     Cloudflare bills; "all threads" adds V8's background compiler threads.
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
const RUNS = 9;
const WORKERS = {
  credmint: { worker: 'examples/cloudflare-worker/worker.js', modules: 'credmint' },
  'jose 6': { worker: 'bench-worker-jose.js', modules: 'jose' },
  'bare WebCrypto (floor)': { worker: 'bench-worker-webcrypto.js', modules: 'none' },
};
const samples = Object.fromEntries(Object.keys(WORKERS).map((name) => [name, { startup: [], cold: [], cached: [] }]));
const emulator = await startEmulator();
const perOp = {};
try {
  for (let run = 0; run < RUNS; run += 1) {
    for (const [name, options] of Object.entries(WORKERS)) {
      const workerd = await startWorkerd(emulator, options);
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const booted = cpuNanos(workerd.pid);
        samples[name].startup.push({ isolate: booted.isolate / 1e6, all: booted.all / 1e6 });
        samples[name].cold.push(await measured(workerd.pid, `${workerd.base}/token`));
        for (let i = 0; i < 5; i += 1) samples[name].cached.push(await measured(workerd.pid, `${workerd.base}/token`));
      } finally {
        await workerd.stop();
      }
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
const ms = (list, field) => median(list.map((m) => m[field]));
const floor = samples['bare WebCrypto (floor)'];
const cell = (name, phase, digits) => {
  const value = ms(samples[name][phase], 'isolate');
  return `${value.toFixed(digits)} ms (${(value / ms(floor[phase], 'isolate')).toFixed(2)}×)`;
};
console.log(`workerd, GET /token: CPU on the isolate thread, medians of ${RUNS} fresh processes per Worker, interleaved; × the floor`);
console.log('| Worker | startup (process start → ready) | first GET /token | cached GET /token | first, all threads |');
console.log('|---|---:|---:|---:|---:|');
for (const name of Object.keys(WORKERS)) {
  console.log(`| ${name} | ${cell(name, 'startup', 1)} | ${cell(name, 'cold', 2)} | ${cell(name, 'cached', 2)} | ${ms(samples[name].cold, 'all').toFixed(2)} ms |`);
}
console.log('workerd, CPU per operation on the isolate thread (warm isolate)');
for (const [op, micros] of Object.entries(perOp)) console.log(`  ${op.padEnd(26)} ${micros.toFixed(1).padStart(8)} µs`);
