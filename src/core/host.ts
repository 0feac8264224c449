/**
 * Node-only functions, named, so that code bundled for a browser page can still call them.
 *
 * The claim evaluators (src/claims/) run in Node on the CPU backends and, for the GPU backends
 * webgl and webgpu, inside a headless Chromium page (src/browser/). A few of the functions they
 * call read files — the PyTorch fixtures, the tutorial, a recorded reproduction — and parse them.
 * Those stay on the Node side: each is wrapped by `hostOnly(name, f)`.
 *
 *   in Node            hostOnly(name, f)(...a) = f(...a)
 *   in the page        the page installs a resolver (globalThis.__transformerSpecHost); the wrapper
 *                      asks it for the result of f(...a), which Node computed and sent over as JSON.
 *                      A result it does not hold yet is a HostCallMissing: the page's driver asks
 *                      Node for it (src/browser/runner.ts) and runs the claim again.
 *
 * Node keeps the table of these functions (HOST_FUNCTIONS, filled by the modules that define them).
 */
type AnyFn = (...args: never[]) => unknown;

/** The page's resolver: the value (or the thrown error) of `name(...args)`, computed by Node. */
export type HostResolver = (name: string, args: unknown[]) => unknown;

/** Every Node-only function by name (Node side: the page's driver calls these for the page). */
export const HOST_FUNCTIONS = new Map<string, AnyFn>();

export function hostOnly<F extends AnyFn>(name: string, f: F): F {
  HOST_FUNCTIONS.set(name, f);
  const wrapped = (...args: Parameters<F>): ReturnType<F> => {
    const resolve = (globalThis as { __transformerSpecHost?: HostResolver }).__transformerSpecHost;
    return (resolve ? resolve(name, args) : f(...args)) as ReturnType<F>;
  };
  return wrapped as unknown as F;
}
