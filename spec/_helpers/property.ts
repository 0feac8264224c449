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
  const { seed, numRuns } = propertyConfig();
  const runs = options.numRuns ?? numRuns;
  // fc.property's typing is variadic; the tuple above guarantees arbs and predicate line up.
  const prop = (fc.property as unknown as (...a: unknown[]) => fc.IProperty<unknown[]>)(...arbs, predicate);
  try {
    fc.assert(prop, { seed, numRuns: runs });
  } catch (e) {
    (e as Error).message = `[property "${name}", seed ${seed}, runs ${runs}] ${(e as Error).message}`;
    throw e;
  }
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
  const { seed, numRuns } = propertyConfig();
  const runs = options.numRuns ?? numRuns;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, predicate), { seed, numRuns: runs });
  } catch (e) {
    (e as Error).message = `[property "${name}", seed ${seed}, runs ${runs}] ${(e as Error).message}`;
    throw e;
  }
  const dir = propertyLogDir();
  mkdirSync(dir, { recursive: true });
  appendFileSync(`${dir}/${process.pid}.log`, `${name}\t${runs}\n`);
}
