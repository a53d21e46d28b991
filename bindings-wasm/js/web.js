// Browsers and Deno: the module is fetched next to this file (top-level await).
import init, { setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';

await init({ module_or_path: new URL('./credmint_wasm_bg.wasm', import.meta.url) });
setErrorClass(CredmintError);

export * from './api.js';
