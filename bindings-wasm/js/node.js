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
host.runExecutable = (program, args, env, timeoutMillis) => new Promise((resolve, reject) => {
  const options = {
    env: { ...process.env, ...env }, timeout: timeoutMillis, maxBuffer: maxResponseBody(), encoding: 'buffer',
  };
  execFile(program, args, options, (error, stdout) => {
    if (!error) resolve(new Uint8Array(stdout));
    else if (typeof error.code === 'number') reject(new Error(`exited with status ${error.code}`));
    else if (error.killed) reject(new Error(`did not finish within ${timeoutMillis} ms`));
    else reject(new Error(`could not start (${error.code ?? 'unknown'})`));
  });
});

export * from './api.js';
export { TokenCacheObject, tokenFromDurableObject } from './durable.js';
