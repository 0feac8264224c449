/**
 * Differential specs driven by the op registry (src/ops/registry.ts): for every row with inputs,
 *
 *   tfjs (float32, the selected backend)  vs  float64 reference       — the row's tolerance
 *   float64 reference                     vs  64-digit BigNumber      — REFERENCE_VS_HIGH_PRECISION
 *
 * through the same adapters the claims use (src/ops/implementations.ts: argument conversion,
 * asynchronous read-back, the leak guard), on the row's arbitrary and on its fixed cases. A new op
 * is tested here by being registered. Shapes must match exactly (compareResults), then values.
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_VS_HIGH_PRECISION } from '../../src/core/tolerance.js';
import { arbitrariesOf } from '../../src/ops/arbitraries.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../../src/ops/implementations.js';
import { OP_NAMES, OP_REGISTRY, type OpName, type OpRow } from '../../src/ops/registry.js';
import { checkPropertyAsync, fc } from '../_helpers/property.js';
import { compareResults } from '../_helpers/results.js';
import { backendReport } from '../_helpers/setup.js';

const A = arbitrariesOf(fc);
const tfjs = tfjsImpl(backendReport);
/** Generic access to an implementation's op by name (the typed interface lists each op's own parameters). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (impl: ArrayImpl<any>, name: OpName, args: unknown[]): Promise<unknown> => (impl as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args);
/**
 * 64-digit exp, sin, erf and division cost tens of microseconds each; 20 runs per op keep the
 * BigNumber group to a few seconds while every row still draws each of its shape classes.
 */
const HIGH_PRECISION_RUNS = { numRuns: 20 };

const rows = OP_NAMES.map((name) => [name, OP_REGISTRY[name] as OpRow] as const).filter(([, row]) => !row.stateful);

describe(`registry ops: tfjs (${backendReport.choice}) vs the float64 reference`, () => {
  for (const [name, row] of rows.filter(([, r]) => r.arbitrary || r.cases)) {
    it(`${name}: equal within ${row.tolerance.atol} + ${row.tolerance.rtol}·|x| (${row.tolerance.reason.slice(0, 60)}…)`, async () => {
      const check = async (args: unknown[]) => {
        const [expected, actual] = [await call(referenceImpl, name, args), await call(tfjs, name, args)];
        const c = compareResults(actual, expected, row.tolerance, row.compare);
        expect(c.ok, `${name}(${JSON.stringify(args).slice(0, 200)}): ${c.message}`).toBe(true);
      };
      if (row.arbitrary) await checkPropertyAsync(`tfjs ${name} = reference ${name}`, row.arbitrary(A) as fc.Arbitrary<unknown[]>, check);
      for (const args of row.cases?.() ?? []) await check(args);
    });
  }
});

describe('registry ops: float64 reference vs the 64-digit BigNumber oracle', () => {
  for (const [name, row] of rows.filter(([, r]) => typeof r.highPrecision === 'function' && (r.arbitrary || r.highPrecisionArbitrary))) {
    it(`${name}: equal within ${REFERENCE_VS_HIGH_PRECISION.atol} + ${REFERENCE_VS_HIGH_PRECISION.rtol}·|x|`, async () => {
      const arbitrary = (row.highPrecisionArbitrary ?? row.arbitrary)!(A) as fc.Arbitrary<unknown[]>;
      await checkPropertyAsync(
        `reference ${name} = high-precision ${name}`,
        arbitrary,
        async (args) => {
          const [actual, exact] = [await call(referenceImpl, name, args), await call(highPrecisionImpl, name, args)];
          const c = compareResults(actual, exact, REFERENCE_VS_HIGH_PRECISION, row.compare);
          expect(c.ok, `${name}(${JSON.stringify(args).slice(0, 200)}): ${c.message}`).toBe(true);
        },
        HIGH_PRECISION_RUNS,
      );
    });
  }
});

describe('the registry itself', () => {
  it('every op that is not stateful has differential inputs, PyTorch fixtures, or is a whole model checked by its own parity spec', () => {
    // tinyModel, tinyGptDecode and peftTinyGpt run on the fixture models (spec/models, spec/blocks, spec/peft);
    // tinyLlama and tinyLlamaDecode on fixtures/llm/tinyllama (spec/tiny-llama)
    const wholeModels = new Set<OpName>(['tinyModel', 'tinyGptDecode', 'peftTinyGpt', 'mergeLoraIntoTinyGpt', 'tinyLlama', 'tinyLlamaDecode']);
    const untested = rows.filter(([name, r]) => !r.arbitrary && !r.cases && !r.fixtures && !wholeModels.has(name)).map(([name]) => name);
    expect(untested).toEqual([]);
  });

  it('a stateful op says why the generic adapters do not run it, and the adapters offer no such op', () => {
    for (const name of OP_NAMES) {
      const row: OpRow = OP_REGISTRY[name];
      if (!row.stateful) continue;
      expect(row.stateful.length, name).toBeGreaterThan(20);
      expect((referenceImpl as unknown as Record<string, unknown>)[name], name).toBeUndefined();
    }
  });
});
