// What the runtime's loader adds to the portable API (not re-exported), where
// the host has them (Node, Deno): `readFile(path) → Promise<Uint8Array>`,
// `env(name) → string | undefined`, and
// `runExecutable(program, args, env, timeoutMillis) → Promise<Uint8Array>` (stdout).
export const host = { readFile: null, env: null, runExecutable: null };
