/**
 * Input generators for the registry's differential and property specs. They take fast-check as an
 * argument (the specs pass theirs), so src/ depends on fast-check's types only, never at run time.
 * Ranges match the tolerance policy's stated input ranges (src/core/tolerance.ts: |x| ≤ 4,
 * n ≤ 12, d ≤ 32, positions ≤ 2048).
 */
import type FastCheckDefault from 'fast-check';
import type * as FastCheck from 'fast-check';

// the default export's type, as the specs import it (spec/_helpers/property.ts)
export type FC = typeof FastCheckDefault;
export type Matrix = number[][];

/** The generators of this file, bound to one fast-check instance. */
export function arbitrariesOf(fc: FC) {
  /**
   * A finite input value, |x| ≤ 4: mostly uniform on a grid of 2²¹ points (multiples of 2⁻¹⁸, exact
   * in float32, so a float32-vs-float64 difference measures the computation, not the rounding of
   * the inputs), sometimes an edge value. fast-check's own doubles crowd around 0 and subnormals
   * (in a sample of 6,400, 88% had |x| < 1e-6), which would leave the bounds barely exercised.
   */
  const value = fc.oneof(
    { arbitrary: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((i) => (4 * i) / 2 ** 20), weight: 9 },
    { arbitrary: fc.constantFrom(0, 4, -4, 2 ** -18, -(2 ** -18)), weight: 1 },
  );
  const vectorOf = (n: number, v: FastCheck.Arbitrary<number> = value) => fc.array(v, { minLength: n, maxLength: n });
  const matrixOf = (rows: number, cols: number, v: FastCheck.Arbitrary<number> = value): FastCheck.Arbitrary<Matrix> => fc.array(vectorOf(cols, v), { minLength: rows, maxLength: rows });
  /** Glorot-range weights, |w| ≤ √(6 / (fan_in + fan_out)): the scale real projections start at. */
  const weightsOf = (fanIn: number, fanOut: number): FastCheck.Arbitrary<Matrix> => {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    return matrixOf(fanIn, fanOut, value.map((v) => Math.fround((v / 4) * a)));
  };
  /** A Linear layer in PyTorch's layout: weight (out × in), Glorot range, optional bias. */
  const linearOf = (inF: number, out: number, bias = true) =>
    fc.record({ weight: weightsOf(out, inF), ...(bias ? { bias: vectorOf(out, value.map((v) => v / 8)) } : {}) }) as FastCheck.Arbitrary<{ weight: Matrix; bias?: number[] }>;
  /** Multi-head attention projections (MultiHeadParams): W_Q, W_K, W_V (d_model × d_attn), W_O (d_attn × d_out). */
  const mhaParamsOf = (dModel: number, dAttn: number, dOut: number) => fc.record({ wQ: weightsOf(dModel, dAttn), wK: weightsOf(dModel, dAttn), wV: weightsOf(dModel, dAttn), wO: weightsOf(dAttn, dOut) });
  const size = (min: number, max: number) => fc.integer({ min, max });
  const evenSize = (min: number, max: number) => fc.integer({ min: min / 2, max: max / 2 }).map((h) => 2 * h);
  const positions = (minLength: number, maxLength: number) => fc.array(fc.integer({ min: 0, max: 2048 }), { minLength, maxLength });
  return { fc, value, vectorOf, matrixOf, weightsOf, linearOf, mhaParamsOf, size, evenSize, positions };
}

export type Arbitraries = ReturnType<typeof arbitrariesOf>;
