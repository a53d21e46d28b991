// Cloudflare Workers (workerd): the .wasm file is imported as a compiled
// WebAssembly.Module by the bundler/runtime and instantiated at global scope.
import wasmModule from './credmint_wasm_bg.wasm';
import { initSync, setErrorClass } from './credmint_wasm.js';
import { CredmintError } from './errors.js';

initSync({ module: wasmModule });
setErrorClass(CredmintError);

export * from './api.js';
export { TokenCacheObject, tokenFromDurableObject } from './durable.js';
