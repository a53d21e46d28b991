// Node.js (and Deno with node: builtins): the module is read from disk and
// instantiated synchronously at import.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { initSync, maxResponseBody, setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';
import { host } from './host.js';

initSync({ module: readFileSync(new URL('./credmint_wasm_bg.wasm', import.meta.url)) });
setErrorClass(CredmintError);
host.readFile = async (path, most) => {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(most);
    let length = 0;
    while (length < most) {
      const { bytesRead } = await file.read(buffer, length, most - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
};
host.env = (name) => process.env[name];
host.windows = process.platform === 'win32';
host.run = (program, args, env, timeoutMillis) => new Promise((resolve) => {
  // One byte over the core's limit: an oversized output is refused, not cut.
  const options = {
    env: { ...process.env, ...Object.fromEntries(env) }, timeout: timeoutMillis,
    maxBuffer: maxResponseBody() + 1, encoding: 'buffer',
  };
  execFile(program, args, options, (error, stdout) => {
    const exited = (status) => resolve(['exited', undefined, new Uint8Array(stdout ?? []), status]);
    if (!error) exited(0);
    else if (typeof error.code === 'number') exited(error.code);
    else if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') exited(0);
    else if (error.killed) resolve(['timed_out']);
    else resolve(['not_started', String(error.code ?? 'unknown')]);
  });
});

export * from './api.js';
export { TokenCacheObject, tokenFromDurableObject } from './durable.js';
