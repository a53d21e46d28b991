// What the runtime's loader adds to the portable API (not re-exported):
// `readFile(path) → Promise<Uint8Array>` where the host has a filesystem (Node, Deno).
export const host = { readFile: null };
