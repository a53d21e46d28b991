// Node.js (and Deno with node: builtins): the module is read from disk and
// instantiated synchronously at import.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { initSync, setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';
import { host } from './host.js';

initSync({ module: readFileSync(new URL('./credmint_wasm_bg.wasm', import.meta.url)) });
setErrorClass(CredmintError);
host.readFile = async (path) => new Uint8Array(await readFile(path));

export * from './api.js';
