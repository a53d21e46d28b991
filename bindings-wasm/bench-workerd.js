// CPU time workerd spends per request of the example Worker, cold (a fresh
// isolate: parse the key, import it into WebCrypto, sign the assertion, fetch
// the token from `credmint serve`) and warm (the cached token). CPU is read
// from /proc/<pid>/task/*/schedstat (nanoseconds on CPU, every thread of the
// workerd process) around each request. `make bench-js` runs it after bench.js.
import { readdirSync, readFileSync } from 'node:fs';
import { startEmulator, startWorkerd } from './test/helpers.js';

function cpuNanos(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

async function measured(pid, url) {
  const before = cpuNanos(pid);
  const started = performance.now();
  const response = await fetch(url);
  await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return { cpuMs: (cpuNanos(pid) - before) / 1e6, wallMs: performance.now() - started };
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const emulator = await startEmulator();
const cold = [];
const warm = [];
try {
  for (let run = 0; run < 5; run += 1) {
    const workerd = await startWorkerd(emulator);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      cold.push(await measured(workerd.pid, `${workerd.base}/token`));
      for (let i = 0; i < 5; i += 1) warm.push(await measured(workerd.pid, `${workerd.base}/token`));
    } finally {
      await workerd.stop();
    }
  }
} finally {
  await emulator.stop();
}
console.log('workerd, example Worker GET /token (medians; CPU of every workerd thread)');
console.log(`  cold isolate: ${median(cold.map((m) => m.cpuMs)).toFixed(1)} ms CPU, ${median(cold.map((m) => m.wallMs)).toFixed(1)} ms wall`);
console.log(`  cached token: ${median(warm.map((m) => m.cpuMs)).toFixed(2)} ms CPU, ${median(warm.map((m) => m.wallMs)).toFixed(2)} ms wall`);
