// Node.js (and Deno with node: builtins): the module is read from disk and
// instantiated synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync, setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';

initSync({ module: readFileSync(new URL('./credmint_wasm_bg.wasm', import.meta.url)) });
setErrorClass(CredmintError);

export * from './api.js';
