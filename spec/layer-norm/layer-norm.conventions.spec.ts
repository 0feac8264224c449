/**
 * LayerNorm's conventions at float32's edges, run by `npx vitest run spec/layer-norm` itself (they
 * were tested only in spec/errors/numerics.spec.ts, rule 3c): normalisation agrees over the whole
 * float32 range on every implementation — a row is scaled before its variance is formed, so
 * [1e30, −1e30] gives [1, −1] (to ε), not the [0, 0] of a float32 overflow — and NaN/±∞ inputs are
 * refused with NonFiniteError. Shapes: x (n × C) → (n × C).
 */
import { describe, expect, it } from 'vitest';
import { NonFiniteError } from '../../src/core/errors.js';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl } from '../../src/ops/implementations.js';
import { asNumbers } from '../../src/reference/field.js';
import { backendReport } from '../_helpers/setup.js';

const tfImpl = tfjsImpl(backendReport);
const IMPLS = [referenceImpl, highPrecisionImpl, tfImpl] as const;

async function thrown(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('LayerNorm at the edges of float32, on the reference, the BigNumber oracle and tfjs', () => {
  it('[1e30, −1e30] and [3e38, −3e38, 0] normalise to [1, −1] and [1.2247, −1.2247, 0] (to ε), not to zeros', async () => {
    const x = [[1e30, -1e30]];
    const y = [[3e38, -3e38, 0]];
    for (const impl of IMPLS) {
      const a = asNumbers(impl.F, await impl.layerNorm(impl.lift(x), null));
      expect(compareNested(a, [[1, -1]], TFJS_VS_REFERENCE.default).ok, `${impl.name}: ${JSON.stringify(a)}`).toBe(true);
      const b = asNumbers(impl.F, await impl.layerNorm(impl.lift(y), null));
      expect(compareNested(b, [[Math.sqrt(1.5), -Math.sqrt(1.5), 0]], TFJS_VS_REFERENCE.default).ok, `${impl.name}: ${JSON.stringify(b)}`).toBe(true);
    }
  });

  it('NaN, +∞ and −∞ are refused with NonFiniteError by the reference and tfjs (no −∞ "mask" meaning here)', async () => {
    for (const impl of [referenceImpl, tfImpl]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        expect(await thrown(() => impl.layerNorm([[1, bad, 0]], null)), `${impl.name} ${bad}`).toBeInstanceOf(NonFiniteError);
      }
    }
  });
});
