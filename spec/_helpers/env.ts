/**
 * Runs a spec step with an environment variable set (the limits of src/core/limits.ts are read
 * from the environment), restoring the previous value afterwards — the worker is shared by spec
 * files (isolate: false), so nothing may leak into the next one.
 */
export async function withEnv(name: string, value: string, f: () => void | Promise<void>): Promise<void> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    await f();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}
