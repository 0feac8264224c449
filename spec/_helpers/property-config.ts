import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where each worker appends "<property>\t<runs>" lines, summed by global-setup's teardown.
 * global-setup picks a fresh folder per run and passes it to the workers through the environment.
 */
export function propertyLogDir(): string {
  return process.env.TRANSFORMER_SPEC_PROPERTY_LOG ?? join(tmpdir(), 'transformer-spec-properties');
}

/**
 * Property specs are deterministic by default: a fixed seed, printed on failure and at the end of
 * the run. Deep runs: PROPERTY_RUNS=2000 npm test (runs per property); PROPERTY_SEED=<n> to vary.
 */
export function propertyConfig(): { seed: number; numRuns: number } {
  const seed = Number(process.env.PROPERTY_SEED ?? 20261123);
  const numRuns = Number(process.env.PROPERTY_RUNS ?? 100);
  if (!Number.isInteger(seed)) throw new Error(`PROPERTY_SEED must be an integer, got ${process.env.PROPERTY_SEED}`);
  if (!Number.isInteger(numRuns) || numRuns < 1) throw new Error(`PROPERTY_RUNS must be an integer ≥ 1, got ${process.env.PROPERTY_RUNS}`);
  return { seed, numRuns };
}
