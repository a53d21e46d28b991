// Browsers and Deno: the module is fetched next to this file (top-level await).
// In Deno the file system and environment are the host's too (Credentials.fromFile,
// defaultCredentials()); Deno's permissions apply (--allow-read, --allow-env).
import init, { setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';
import { host } from './host.js';

await init({ module_or_path: new URL('./credmint_wasm_bg.wasm', import.meta.url) });
setErrorClass(CredmintError);
const deno = globalThis.Deno;
if (deno?.readFile) {
  host.readFile = async (path, most) => {
    const file = await deno.open(path, { read: true });
    try {
      const buffer = new Uint8Array(most);
      let length = 0;
      while (length < most) {
        const read = await file.read(buffer.subarray(length));
        if (read === null) break;
        length += read;
      }
      return buffer.subarray(0, length);
    } finally {
      file.close();
    }
  };
  host.env = (name) => deno.env.get(name);
  host.windows = deno.build.os === 'windows';
}

export * from './api.js';
export { TokenCacheObject, tokenFromDurableObject } from './durable.js';
