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
  host.readFile = (path) => deno.readFile(path);
  host.env = (name) => deno.env.get(name);
  host.windows = deno.build.os === 'windows';
}

export * from './api.js';
