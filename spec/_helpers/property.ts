/**
 * `checkProperty`: fast-check with the project's deterministic defaults. On failure the message
 * carries the seed, the path and the counterexample (fast-check's report) so it can be replayed:
 *   PROPERTY_SEED=<seed> npx vitest run <file> -t '<title>'
 * Every completed property records its run count for the end-of-run total.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import fc from 'fast-check';
import { propertyConfig, propertyLogDir } from './property-config.js';

export { fc };

export interface PropertyOptions {
  /** Override the run count for an expensive property (stated with a reason at the call site). */
  numRuns?: number;
}

export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  ...args: [...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...values: Ts) => boolean | void, options?: PropertyOptions]
): void {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !(last instanceof fc.Arbitrary) && typeof last !== 'function';
  const options = (hasOptions ? last : {}) as PropertyOptions;
  const rest = (hasOptions ? args.slice(0, -1) : args) as unknown[];
  const predicate = rest[rest.length - 1] as (...v: unknown[]) => boolean | void;
  const arbs = rest.slice(0, -1) as fc.Arbitrary<unknown>[];
  // fc.property's typing is variadic; the tuple above guarantees arbs and predicate line up.
  const prop = (fc.property as unknown as (...a: unknown[]) => fc.IProperty<unknown[]>)(...arbs, predicate);
  const { seed, runs } = settings(options);
  try {
    fc.assert(prop, { seed, numRuns: runs });
  } catch (e) {
    throw labelled(e, name, seed, runs);
  }
  record(name, runs);
}

/** The seed and this property's run count. */
function settings(options: PropertyOptions): { seed: number; runs: number } {
  const { seed, numRuns } = propertyConfig();
  return { seed, runs: options.numRuns ?? numRuns };
}

/** The failure, its message prefixed with what replays it. */
function labelled(e: unknown, name: string, seed: number, runs: number): unknown {
  (e as Error).message = `[property "${name}", seed ${seed}, runs ${runs}] ${(e as Error).message}`;
  return e;
}

/** One line per completed property, summed by global-setup's teardown. */
function record(name: string, runs: number): void {
  const dir = propertyLogDir();
  mkdirSync(dir, { recursive: true });
  appendFileSync(`${dir}/${process.pid}.log`, `${name}\t${runs}\n`);
}

/**
 * checkProperty for an asynchronous predicate (one that awaits an implementation: the registry's
 * adapters read tfjs results back asynchronously). Same seed, run count, failure message and
 * bookkeeping; one argument (a tuple arbitrary when the op takes several).
 */
export async function checkPropertyAsync<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<boolean | void>, options: PropertyOptions = {}): Promise<void> {
  const { seed, runs } = settings(options);
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed, numRuns: runs });
  } catch (e) {
    throw labelled(e, name, seed, runs);
  }
  record(name, runs);
}
