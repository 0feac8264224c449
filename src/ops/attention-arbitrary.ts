/**
 * Inputs for the general attention op (src/reference/attention.ts) in the registry's differential
 * specs and the attention property specs: every option the op has, in every combination —
 * rank 2/3/4, grouped-query heads (H = G · H_kv), d_v ≠ d_k, a KV cache (pastKey/pastValue), both
 * causal alignments, boolean masks and float biases of every broadcastable shape, ALiBi,
 * soft-capping, an explicit scale and per-sequence key lengths. Values as in arbitraries.ts
 * (|x| ≤ 4, exact in float32); sizes small enough for the 64-digit oracle.
 */
import type { Arbitraries } from './arbitraries.js';
import type { GeneralAttentionOptions } from '../reference/attention.js';

export interface AttentionCaseSizes {
  maxBatch: number;
  maxKvHeads: number;
  maxGroup: number;
  maxN: number;
  maxPast: number;
  maxD: number;
}

export const DIFFERENTIAL_SIZES: AttentionCaseSizes = { maxBatch: 2, maxKvHeads: 3, maxGroup: 3, maxN: 6, maxPast: 3, maxD: 8 };
export const HIGH_PRECISION_SIZES: AttentionCaseSizes = { maxBatch: 2, maxKvHeads: 2, maxGroup: 2, maxN: 3, maxPast: 2, maxD: 3 };

type Nested = number | boolean | Nested[];

/** A tensor of the given shape from a flat generator. */
function shaped<T extends Nested>(flat: T[], shape: readonly number[]): Nested {
  if (shape.length === 0) return flat[0];
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => shaped(flat.slice(i * size, (i + 1) * size), shape.slice(1)));
}

/** [q, k, v, options] for `attention`, with `steps: true` so every step is compared. */
export function attentionCaseOf({ fc, size, value }: Arbitraries, z: AttentionCaseSizes) {
  return fc
    .record({
      rank: fc.constantFrom(2, 3, 4),
      B: size(1, z.maxBatch),
      Hkv: size(1, z.maxKvHeads),
      G: size(1, z.maxGroup),
      nQ: size(1, z.maxN),
      nNew: size(1, z.maxN),
      nPast: size(0, z.maxPast),
      dK: size(1, z.maxD),
      dV: size(1, z.maxD),
      scale: fc.constantFrom<GeneralAttentionOptions['scale']>(true, false, 0.25),
      causal: fc.constantFrom<GeneralAttentionOptions['causal']>(null, true, 'top-left', 'bottom-right'),
      maskShape: fc.constantFrom('none', 'qk', '1qk', 'hqk', 'b1qk'),
      biasShape: fc.constantFrom('none', 'qk', 'hqk', 'b1qk'),
      alibi: fc.boolean(),
      softcap: fc.constantFrom<number | null>(null, null, 2, 30),
      keyLengths: fc.boolean(),
    })
    .chain((c) => {
      const B = c.rank === 4 ? c.B : 1;
      const Hkv = c.rank >= 3 ? c.Hkv : 1;
      const H = c.rank >= 3 ? Hkv * c.G : 1;
      const nK = c.nPast + c.nNew;
      const lead = (heads: number) => (c.rank === 4 ? [B, heads] : c.rank === 3 ? [heads] : []);
      const tensor = (shape: number[]) => fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((f) => shaped(f, shape));
      const maskShapes: Record<string, number[] | null> = { none: null, qk: [c.nQ, nK], '1qk': c.rank >= 3 ? [1, c.nQ, nK] : null, hqk: c.rank >= 3 ? [H, c.nQ, nK] : null, b1qk: c.rank === 4 ? [B, 1, c.nQ, nK] : null };
      const maskShape = maskShapes[c.maskShape];
      const biasShape = maskShapes[c.biasShape];
      const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
      return fc.tuple(
        tensor([...lead(H), c.nQ, c.dK]),
        tensor([...lead(Hkv), c.nNew, c.dK]),
        tensor([...lead(Hkv), c.nNew, c.dV]),
        c.nPast > 0 ? tensor([...lead(Hkv), c.nPast, c.dK]) : fc.constant(null),
        c.nPast > 0 ? tensor([...lead(Hkv), c.nPast, c.dV]) : fc.constant(null),
        maskShape ? fc.array(fc.boolean(), { minLength: count(maskShape), maxLength: count(maskShape) }).map((f) => shaped(f, maskShape)) : fc.constant(null),
        biasShape ? tensor(biasShape) : fc.constant(null),
        c.keyLengths && c.rank === 4 ? fc.array(fc.integer({ min: 0, max: nK }), { minLength: B, maxLength: B }) : fc.constant(null),
      ).map(([q, k, v, pastKey, pastValue, mask, bias, keyLengths]) => {
        const options: GeneralAttentionOptions = { steps: true, scale: c.scale };
        if (c.causal != null) options.causal = c.causal;
        if (pastKey != null) Object.assign(options, { pastKey, pastValue });
        if (mask != null) options.mask = mask;
        if (bias != null) options.bias = bias;
        if (c.alibi) options.alibi = true;
        if (c.softcap != null) options.softcap = c.softcap;
        if (keyLengths != null) options.keyLengths = keyLengths;
        return [q, k, v, options] as [Nested, Nested, Nested, GeneralAttentionOptions];
      });
    });
}
