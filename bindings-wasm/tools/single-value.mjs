// Marks a wasm module's `target_features` as not using `multivalue`, in place,
// before wasm-bindgen reads it (decision 0003).
//
// rustc's wasm32 target enables `multivalue`, although no function of ours
// returns more than one value; seeing it, wasm-bindgen turns every export that
// returns through memory into a multi-value function. V8 has no generic
// JS-to-Wasm wrapper for those: it compiles one wrapper per such signature
// when the module is compiled (31 of them here, 5-6 ms of an 11 ms
// `new WebAssembly.Module` in Node 20). Without the flag, wasm-bindgen keeps
// return pointers and the glue reads results from memory.
//
// Usage: node single-value.mjs MODULE.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2];
const bytes = readFileSync(path);

function leb(offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, offset];
  }
}

let offset = 8;
let flipped = false;
while (offset < bytes.length) {
  const id = bytes[offset];
  const [size, start] = leb(offset + 1);
  const end = start + size;
  if (id === 0) {
    const [nameLength, nameStart] = leb(start);
    const name = bytes.subarray(nameStart, nameStart + nameLength).toString();
    if (name === 'target_features') {
      let [count, at] = leb(nameStart + nameLength);
      for (; count > 0; count -= 1) {
        const prefix = at;
        const [length, featureStart] = leb(at + 1);
        const feature = bytes.subarray(featureStart, featureStart + length).toString();
        if (feature === 'multivalue' && bytes[prefix] === 0x2b /* + */) {
          bytes[prefix] = 0x2d; // -
          flipped = true;
        }
        at = featureStart + length;
      }
    }
  } else if (id === 1) {
    // A function type with more than one result means the module really uses multi-value.
    let [count, at] = leb(start);
    for (; count > 0; count -= 1) {
      const [params, paramsStart] = leb(at + 1);
      const [results, resultsStart] = leb(paramsStart + params);
      if (results > 1) throw new Error(`${path} has multi-value function types; leaving it as it is`);
      at = resultsStart + results;
    }
  }
  offset = end;
}
if (flipped) writeFileSync(path, bytes);
