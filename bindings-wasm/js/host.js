// What the runtime's loader adds to the portable API (not re-exported), where
// the host has them (Node, Deno): `readFile(path, most) → Promise<Uint8Array>`
// (at most `most` bytes; callers ask for one more than the core accepts, so an
// oversized file is refused without being read whole; rejecting with the platform's error: `code` ENOENT, or Deno's NotFound, when missing),
// `env(name) → string | undefined`, `windows` (paths of gcloud's file), and
// `run(program, args, env, timeoutMillis)` → a promise of the core's answer:
// `['exited', undefined, stdout, status]`, `['timed_out']` or `['not_started', reason]`.
export const host = { readFile: null, env: null, windows: false, run: null };
