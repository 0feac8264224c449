/**
 * Attention as today's decoder LLMs use it (LLaMA, Mistral, Qwen2, Gemma 2, BLOOM, MPT): one op
 * with an options object, from which scaled dot-product attention (Vaswani et al. 2017 §3.2.1) is
 * the case with no options. For query head h and kv head g(h) = ⌊h / (H / H_kv)⌋:
 *
 *   scores  = Q_h K_{g(h)}ᵀ                                  (n_q × n_k)
 *   scaled  = scale · scores                                 scale = 1/√d_k unless given
 *   capped  = cap · tanh(scaled / cap)                       logit soft-capping (Gemma 2), if `softcap`
 *   biased  = capped + bias + m_h · (j − p_i)                additive bias; ALiBi (Press et al. 2022) if `alibi`
 *   masked  = biased where allowed(i, j), else maskValue     allowed = mask ∧ causal ∧ (j < keyLengths_b)
 *   weights = softmax(masked) along the keys                 a fully masked row gives zeros (numeric-conventions rule 2)
 *   output  = weights V_{g(h)}                               (n_q × d_v)
 *
 * Sources: grouped-query attention, Ainslie et al. 2023 (GQA) §2 and Shazeer 2019 (MQA); the
 * head-to-group map is Hugging Face's `repeat_kv` (kv head g serves query heads g·G … g·G + G − 1,
 * G = H / H_kv). ALiBi slopes: Press et al. 2022 §3 and its reference code for head counts that
 * are not a power of two (also Hugging Face's `build_alibi_tensor`). Soft-capping: Gemma 2 report
 * §2 (applied to the scaled logits, before the mask). Causal alignments: PyTorch's
 * `scaled_dot_product_attention(is_causal=True)` and ONNX Attention align top-left (j ≤ i);
 * FlashAttention ≥ 2.1 and decoding with a KV cache align bottom-right (j ≤ i + n_k − n_q).
 *
 * Conventions this op names (README, "Conventions"):
 *   - causal alignment: `causal: true` means DEFAULT_CAUSAL_ALIGNMENT = 'bottom-right' (the
 *     project's causal mask since its first release); 'top-left' is PyTorch's is_causal;
 *   - masks (true = may attend) and biases broadcast like PyTorch's attn_mask: right-aligned against
 *     the scores' shape (batch, heads, n_q, n_k), each dimension 1 or equal — so a 3-D mask is
 *     (heads, n_q, n_k), and a per-sequence mask is (batch, 1, n_q, n_k) or `keyLengths`;
 *   - ALiBi's bias is m_h · (j − p_i) with p_i = i + n_k − n_q the query's position among the keys
 *     (queries are the last n_q positions, as in decoding): per row it differs from HF's m_h · j by
 *     a constant, so the weights are the same;
 *   - a bias entry of −∞ is a masked entry, exactly as a false mask entry with maskValue −∞.
 *
 * Shapes (rank 2, 3 or 4; q, k and v share it):
 *   q (B, H, n_q, d_k), k (B, H_kv, n_new, d_k), v (B, H_kv, n_new, d_v); rank 3 drops B, rank 2
 *   drops B and H. pastKey (…, H_kv, n_past, d_k), pastValue (…, H_kv, n_past, d_v): keys and values
 *   cached from earlier steps, put before k and v, so n_k = n_past + n_new.
 *   Every step (scores … weights) is (…, H, n_q, n_k); output (…, H, n_q, d_v);
 *   presentKey (…, H_kv, n_k, d_k), presentValue (…, H_kv, n_k, d_v): the cache after this step.
 *
 * src/tfjs/attention.ts has the same name, arguments and options.
 */
import { ArgumentError, NonFiniteError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { checkFloat32Values, checkInputValues, checkScoreBound } from '../core/numeric-conventions.js';
import { BYTES, checkMemory, elementCount } from '../core/limits.js';
import { formatShape, shapeOf } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { resolveScale } from './scaled-dot-product-attention.js';
import { softmaxRowWith } from './softmax.js';

export const CAUSAL_ALIGNMENTS = ['top-left', 'bottom-right'] as const;
/** 'top-left': query i sees keys j ≤ i (PyTorch is_causal, ONNX). 'bottom-right': j ≤ i + n_k − n_q (FlashAttention ≥ 2.1, KV-cache decoding). */
export type CausalAlignment = (typeof CAUSAL_ALIGNMENTS)[number];
/** What `causal: true` means: the project's causal mask has always been bottom-right aligned. */
export const DEFAULT_CAUSAL_ALIGNMENT: CausalAlignment = 'bottom-right';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Nested<S = number> = S | Nested<S>[] | any[];

export interface GeneralAttentionOptions {
  /** true (default): 1/√d_k; false: 1; a finite positive number: that factor (Gemma 2: query_pre_attn_scalar^−½). */
  scale?: boolean | number;
  /** true: DEFAULT_CAUSAL_ALIGNMENT; or the alignment by name; false/null: no causal mask. */
  causal?: boolean | CausalAlignment | null;
  /** Booleans (true = may attend), broadcastable to the scores (…, H, n_q, n_k); tfjs also takes a bool tensor. */
  mask?: unknown;
  /** Numbers added to the capped scores, broadcastable to (…, H, n_q, n_k); −∞ = masked. tfjs also takes a tensor (differentiable). */
  bias?: unknown;
  /** true: ALiBi with the paper's slopes for H heads; or H slopes of your own. */
  alibi?: boolean | readonly number[];
  /** Soft-cap: cap · tanh(s / cap) on the scaled scores, cap finite and > 0 (Gemma 2: 50). */
  softcap?: number | null;
  /** Cached keys (…, H_kv, n_past, d_k), put before k; tfjs also takes a tensor. */
  pastKey?: unknown;
  /** Cached values (…, H_kv, n_past, d_v), put before v. */
  pastValue?: unknown;
  /** One key count per sequence of the batch (rank 4 only): keys j ≥ keyLengths[b] are masked (right padding). */
  keyLengths?: readonly number[] | null;
  /** What a masked entry becomes before softmax: −∞ (default; a fully masked row gives zeros) or a negative number. */
  maskValue?: number;
  /** true: return every step and the present keys/values. */
  steps?: boolean;
  /** true: return { output, presentKey, presentValue } (the cache after this step). */
  present?: boolean;
}

export interface GeneralAttentionSteps<M> {
  scores: M;
  scaled: M;
  capped: M;
  biased: M;
  masked: M;
  weights: M;
  output: M;
  presentKey: M;
  presentValue: M;
}

export interface AttentionWithPresent<M> {
  output: M;
  presentKey: M;
  presentValue: M;
}

/** Sizes of one attention call, after the shape checks. */
export interface AttentionDims {
  rank: number;
  batch: number;
  nHeads: number;
  nKvHeads: number;
  /** query heads per kv head, nHeads / nKvHeads */
  group: number;
  nQ: number;
  nNew: number;
  nPast: number;
  nK: number;
  dK: number;
  dV: number;
  /** the shape of every step from scores to weights: (…, H, n_q, n_k) at the inputs' rank */
  scoresShape: number[];
}

/**
 * ALiBi slopes for n heads (Press et al. 2022 §3, and its code for n not a power of two, as HF's
 * build_alibi_tensor): with p = 2^⌊log₂ n⌋, m_h = 2^(−8h/p) for h = 1 … p, then the odd-numbered
 * slopes of 2p heads, 2^(−4(2h−1)/p) for h = 1 … n − p.
 * @example alibiSlopes(8) // [1/2, 1/4, …, 1/256]
 */
export function alibiSlopes(nHeads: number): number[] {
  return alibiSlopesWith(float64, nHeads);
}

export function alibiSlopesWith<S>(F: Field<S>, nHeads: number): S[] {
  if (!Number.isInteger(nHeads) || nHeads < 1) throw new RangeArgumentError(`ALiBi needs an integer head count ≥ 1, got ${nHeads}`);
  const p = 2 ** Math.floor(Math.log2(nHeads));
  const two = F.from(2);
  const slopes = Array.from({ length: p }, (_, h) => F.pow(two, F.div(F.from(-8 * (h + 1)), F.from(p))));
  for (let h = 1; h <= nHeads - p; h++) slopes.push(F.pow(two, F.div(F.from(-4 * (2 * h - 1)), F.from(p))));
  return slopes;
}

export function resolveCausal(causal: GeneralAttentionOptions['causal']): CausalAlignment | null {
  if (causal == null || causal === false) return null;
  if (causal === true) return DEFAULT_CAUSAL_ALIGNMENT;
  if (!(CAUSAL_ALIGNMENTS as readonly unknown[]).includes(causal)) {
    throw new ArgumentError(`causal must be true, false, 'top-left' or 'bottom-right', got ${JSON.stringify(causal)}`);
  }
  return causal;
}

/** Whether query i may attend key j under a causal alignment (n_q queries, n_k keys). */
export function causalAllows(alignment: CausalAlignment, i: number, j: number, nQ: number, nK: number): boolean {
  return alignment === 'top-left' ? j <= i : j <= i + nK - nQ;
}

/** The shapes of pastKey and pastValue (undefined where absent), by the caller's shape function. */
export function pastShapes(options: GeneralAttentionOptions, shape: (x: unknown, name: string) => readonly number[]): { key?: readonly number[]; value?: readonly number[] } {
  return { key: options.pastKey != null ? shape(options.pastKey, 'pastKey') : undefined, value: options.pastValue != null ? shape(options.pastValue, 'pastValue') : undefined };
}

const lead = (s: readonly number[]) => s.slice(0, -2);

/**
 * The shape rules of the op, on shapes alone (the reference and tfjs both call it).
 * @throws ShapeError for ranks outside 2–4, mismatched ranks/batch/d_k/key counts, and nHeads not a multiple of nKvHeads
 */
export function checkGeneralAttentionShapes(
  qShape: readonly number[],
  kShape: readonly number[],
  vShape: readonly number[],
  past: { key?: readonly number[]; value?: readonly number[] } = {},
): AttentionDims {
  if ((past.key === undefined) !== (past.value === undefined)) throw new ArgumentError('pastKey and pastValue come together: give both or neither');
  const rank = qShape.length;
  for (const [s, n] of [[qShape, 'q'], [kShape, 'k'], [vShape, 'v'], [past.key, 'pastKey'], [past.value, 'pastValue']] as const) {
    if (!s) continue;
    if (s.length < 2 || s.length > 4) throw new ShapeError(`${n} must have rank 2 (n, d), 3 (heads, n, d) or 4 (batch, heads, n, d), got shape ${formatShape(s)}`, 'BAD_RANK');
    if (s.length !== rank) throw new ShapeError(`q, k, v (and pastKey, pastValue) must have the same rank: q has shape ${formatShape(qShape)}, ${n} has ${formatShape(s)}`, 'BAD_RANK');
    if (s.some((d) => d === 0)) {
      throw new ShapeError(`${n} must not be empty, got shape ${formatShape(s)}`);
    }
  }
  const pad = (s: readonly number[]) => [...new Array(4 - s.length).fill(1), ...s];
  const [B, H, nQ, dK] = pad(qShape);
  const [Bk, Hkv, nNew, dK2] = pad(kShape);
  const [Bv, Hv, nV, dV] = pad(vShape);
  if (Bk !== B || Bv !== B) throw new ShapeError(`q, k and v must share the batch size: q has shape ${formatShape(qShape)}, k ${formatShape(kShape)}, v ${formatShape(vShape)}`);
  if (Hv !== Hkv) throw new ShapeError(`k has ${Hkv} heads but v has ${Hv}: every key head needs its value head`);
  if (dK2 !== dK) throw new ShapeError(`q has d_k = ${dK} columns but k has ${dK2}: queries and keys must share d_k`);
  if (nV !== nNew) throw new ShapeError(`k has ${nNew} rows but v has ${nV}: every key needs exactly one value`);
  if (H % Hkv !== 0) {
    throw new ShapeError(`nHeads = ${H} is not a multiple of nKvHeads = ${Hkv}: grouped-query attention shares each key/value head among nHeads / nKvHeads query heads, which must be a whole number`);
  }
  let nPast = 0;
  if (past.key && past.value) {
    const [Bp, Hp, nP, dKp] = pad(past.key);
    const [Bpv, Hpv, nPv, dVp] = pad(past.value);
    if (Bp !== B || Bpv !== B || Hp !== Hkv || Hpv !== Hkv) {
      throw new ShapeError(`pastKey ${formatShape(past.key)} and pastValue ${formatShape(past.value)} must have k's batch and kv heads ${formatShape(lead(kShape))}`);
    }
    if (dKp !== dK || dVp !== dV) throw new ShapeError(`pastKey must end in d_k = ${dK} and pastValue in d_v = ${dV}, got ${formatShape(past.key)} and ${formatShape(past.value)}`);
    if (nP !== nPv) throw new ShapeError(`pastKey has ${nP} keys but pastValue has ${nPv} values`);
    nPast = nP;
  }
  const nK = nPast + nNew;
  // Seven (…, H, n_q, n_k) steps: refused before anything is allocated when over the memory limit
  // (src/core/limits.ts) — a few thousand input numbers can ask for billions of scores.
  checkMemory(`attention with ${B} × ${H} × ${nQ} × ${nK} scores (batch × heads × queries × keys), every step kept`, elementCount(B, H, nQ, nK) * 7 * BYTES.float64);
  return { rank, batch: B, nHeads: H, nKvHeads: Hkv, group: H / Hkv, nQ, nNew, nPast, nK, dK, dV, scoresShape: [...lead(qShape), nQ, nK] };
}

/**
 * Right-aligned broadcasting of a mask or bias of shape `shape` to the scores' shape `target`
 * (PyTorch's attn_mask rule): returns the flat index of the entry that scores index (b, h, i, j)
 * reads, with (b, h, i, j) in the padded 4-D layout.
 * @throws ShapeError naming both shapes when it does not broadcast
 */
export function broadcastIndexer(shape: readonly number[], target: readonly number[], name: string): (b: number, h: number, i: number, j: number) => number {
  const fail = () =>
    new ShapeError(`${name} of shape ${formatShape(shape)} does not broadcast to the scores' shape ${formatShape(target)} (${target.length === 4 ? 'batch, heads, ' : target.length === 3 ? 'heads, ' : ''}n_q, n_k): dimensions align from the right and each must be 1 or equal`);
  if (shape.length > target.length) throw fail();
  const offset = target.length - shape.length;
  shape.forEach((d, a) => {
    if (d !== 1 && d !== target[a + offset]) throw fail();
  });
  const padded = [...new Array(4 - shape.length).fill(1), ...shape];
  const strides = [0, 0, 0, 0];
  let s = 1;
  for (let a = 3; a >= 0; a--) {
    strides[a] = padded[a] === 1 ? 0 : s;
    s *= padded[a];
  }
  return (b, h, i, j) => b * strides[0] + h * strides[1] + i * strides[2] + j * strides[3];
}

const flatten = (x: unknown): unknown[] => (Array.isArray(x) ? x.flatMap(flatten) : [x]);

/** The host-side mask and bias checks (both implementations): entries, shapes, −∞ as the only infinity in a bias. */
export function checkMaskAndBias(options: GeneralAttentionOptions, dims: AttentionDims, hostMask: unknown, hostBias: unknown): void {
  if (hostMask !== undefined && hostMask !== null) {
    const entries = flatten(hostMask);
    if (entries.some((b) => typeof b !== 'boolean')) throw new ArgumentError('mask entries must be booleans (true = may attend)');
    broadcastIndexer(shapeOf(hostMask, 'mask'), dims.scoresShape, 'mask');
  }
  if (hostBias !== undefined && hostBias !== null) {
    const entries = flatten(hostBias);
    const bad = entries.findIndex((x) => typeof x !== 'number' || Number.isNaN(x) || x === Infinity);
    if (bad !== -1) throw new NonFiniteError(`bias entry ${bad} is ${String(entries[bad])}; a bias holds finite numbers or −∞ (masked)`);
    checkFloat32Values(entries as number[], 'bias');
    broadcastIndexer(shapeOf(hostBias, 'bias'), dims.scoresShape, 'bias');
  }
  if (options.alibi !== undefined && options.alibi !== false && options.alibi !== true) {
    const s = options.alibi;
    if (!Array.isArray(s) || s.length !== dims.nHeads || s.some((m) => typeof m !== 'number' || !Number.isFinite(m))) {
      throw new ArgumentError(`alibi must be true, false or ${dims.nHeads} finite slopes (one per query head), got ${JSON.stringify(s)}`);
    }
  }
  if (options.softcap != null && !(typeof options.softcap === 'number' && Number.isFinite(options.softcap) && options.softcap > 0)) {
    throw new RangeArgumentError(`softcap must be a finite number > 0 (Gemma 2 uses 50), got ${String(options.softcap)}`);
  }
  const maskValue = options.maskValue ?? -Infinity;
  if (typeof maskValue !== 'number' || Number.isNaN(maskValue) || maskValue > 0) throw new ArgumentError(`maskValue must be −∞ or a negative number, got ${String(maskValue)}`);
  resolveCausal(options.causal);
  if (options.keyLengths != null) {
    const L = options.keyLengths;
    if (dims.rank !== 4) throw new ArgumentError(`keyLengths needs a batch axis: q, k and v of rank 4 (batch, heads, n, d), got rank ${dims.rank}`);
    if (!Array.isArray(L) || L.length !== dims.batch) throw new ShapeError(`keyLengths must hold one length per sequence (${dims.batch}), got ${JSON.stringify(L)}`);
    L.forEach((n, b) => {
      if (!Number.isInteger(n) || n < 0 || n > dims.nK) throw new RangeArgumentError(`keyLengths[${b}] must be an integer in 0…${dims.nK} (the keys, past included), got ${n}`);
    });
  }
}

/** ALiBi's bias for query head h, query i, key j: m_h · (j − p_i), p_i = i + n_k − n_q. */
export function alibiBias(slope: number, i: number, j: number, nQ: number, nK: number): number {
  return slope * (j - (i + nK - nQ));
}

/** Whether (b, i, j) may be attended apart from the user's mask: causal alignment and key lengths. */
export function structuralAllows(alignment: CausalAlignment | null, keyLengths: readonly number[] | null | undefined, dims: AttentionDims, b: number, i: number, j: number): boolean {
  if (alignment && !causalAllows(alignment, i, j, dims.nQ, dims.nK)) return false;
  if (keyLengths && j >= keyLengths[b]) return false;
  return true;
}

const to4 = <T>(x: unknown, rank: number): T[][][][] => (rank === 4 ? x : rank === 3 ? [x] : [[x]]) as T[][][][];
const from4 = <T>(x: T[][][][], rank: number): Nested<T> => (rank === 4 ? x : rank === 3 ? x[0] : x[0][0]);

/** Range checks on plain numbers (rules 1, 3a, 3b): inputs, then every head's score bound. */
export function checkGeneralAttentionRange(q: Nested, k: Nested, v: Nested, options: GeneralAttentionOptions, factor: number): void {
  const dims = checkGeneralAttentionShapes(shapeOf(q, 'q'), shapeOf(k, 'k'), shapeOf(v, 'v'), pastShapes(options, shapeOf));
  checkInputValues(q, 'q');
  checkInputValues(k, 'k');
  checkInputValues(v, 'v');
  if (options.pastKey != null) checkInputValues(options.pastKey as number[], 'pastKey');
  if (options.pastValue != null) checkInputValues(options.pastValue as number[], 'pastValue');
  const [q4, k4] = [to4<number>(q, dims.rank), to4<number>(k, dims.rank)];
  const p4 = options.pastKey != null ? to4<number>(options.pastKey, dims.rank) : null;
  for (let b = 0; b < dims.batch; b++) {
    for (let g = 0; g < dims.nKvHeads; g++) {
      const keys = [...(p4 ? p4[b][g] : []), ...k4[b][g]];
      for (let r = 0; r < dims.group; r++) checkScoreBound(q4[b][g * dims.group + r], keys, factor);
    }
  }
}

export function attentionWith<S>(F: Field<S>, q: Nested<S>, k: Nested<S>, v: Nested<S>, options: GeneralAttentionOptions & { steps: true }): GeneralAttentionSteps<Nested<S>>;
export function attentionWith<S>(F: Field<S>, q: Nested<S>, k: Nested<S>, v: Nested<S>, options: GeneralAttentionOptions & { present: true; steps?: false }): AttentionWithPresent<Nested<S>>;
export function attentionWith<S>(F: Field<S>, q: Nested<S>, k: Nested<S>, v: Nested<S>, options?: GeneralAttentionOptions): Nested<S>;
export function attentionWith<S>(F: Field<S>, q: Nested<S>, k: Nested<S>, v: Nested<S>, options: GeneralAttentionOptions = {}): Nested<S> | GeneralAttentionSteps<Nested<S>> | AttentionWithPresent<Nested<S>> {
  if (!Array.isArray(q) || !Array.isArray(k) || !Array.isArray(v)) throw new ArgumentError('q, k and v must be nested arrays of rank 2, 3 or 4');
  const hasPast = options.pastKey != null || options.pastValue != null;
  const dims = checkGeneralAttentionShapes(shapeOf(q, 'q'), shapeOf(k, 'k'), shapeOf(v, 'v'), pastShapes(options, shapeOf));
  checkMaskAndBias(options, dims, options.mask, options.bias);
  const lift = (x: unknown): S => (typeof x === 'number' ? F.from(x) : (x as S));
  const num = (x: unknown): number => (typeof x === 'number' ? x : F.toNumber(x as S));
  const toNums = (x: unknown): Nested => (Array.isArray(x) ? x.map(toNums) : num(x));
  // The scale factor is formed in the field, so BigNumber sees 1/√d_k to its full precision.
  const factor = options.scale === undefined || options.scale === true ? F.div(F.one, F.sqrt(F.from(dims.dK))) : F.from(resolveScale(options.scale, dims.dK));
  checkGeneralAttentionRange(toNums(q), toNums(k), toNums(v), { ...options, pastKey: hasPast ? toNums(options.pastKey) : undefined, pastValue: hasPast ? toNums(options.pastValue) : undefined }, F.toNumber(factor));

  const { rank, batch: B, nHeads: H, group: G, nQ, nK } = dims;
  const [q4, k4, v4] = [to4<S>(q, rank), to4<S>(k, rank), to4<S>(v, rank)];
  const [pk4, pv4] = hasPast ? [to4<unknown>(options.pastKey, rank), to4<unknown>(options.pastValue, rank)] : [null, null];
  // present = [past; new] along the sequence axis: (B, H_kv, n_k, d)
  const presentKey = k4.map((kb, b) => kb.map((kh, g) => [...(pk4 ? pk4[b][g].map((row) => row.map(lift)) : []), ...kh]));
  const presentValue = v4.map((vb, b) => vb.map((vh, g) => [...(pv4 ? pv4[b][g].map((row) => row.map(lift)) : []), ...vh]));

  const alignment = resolveCausal(options.causal);
  const maskFlat = options.mask != null ? (flatten(options.mask) as boolean[]) : null;
  const maskAt = maskFlat ? broadcastIndexer(shapeOf(options.mask, 'mask'), dims.scoresShape, 'mask') : null;
  const biasFlat = options.bias != null ? flatten(options.bias).map(lift) : null;
  const biasAt = biasFlat ? broadcastIndexer(shapeOf(options.bias, 'bias'), dims.scoresShape, 'bias') : null;
  const slopes = options.alibi === true ? alibiSlopesWith(F, H) : Array.isArray(options.alibi) ? options.alibi.map((m) => F.from(m)) : null;
  const cap = options.softcap != null ? F.from(options.softcap) : null;
  const fill = F.from(options.maskValue ?? -Infinity);

  const steps = { scores: [], scaled: [], capped: [], biased: [], masked: [], weights: [], output: [] } as Record<'scores' | 'scaled' | 'capped' | 'biased' | 'masked' | 'weights' | 'output', S[][][][]>;
  for (const key of Object.keys(steps) as (keyof typeof steps)[]) steps[key] = Array.from({ length: B }, () => new Array(H));
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / G); // HF repeat_kv: query head h reads kv head ⌊h / G⌋
      const keys = presentKey[b][g]; // (n_k × d_k)
      const values = presentValue[b][g]; // (n_k × d_v)
      const scores = q4[b][h].map((qi) => keys.map((kj) => qi.reduce((s, x, c) => F.add(s, F.mul(x, kj[c])), F.zero))); // (n_q × d_k)(d_k × n_k) → (n_q × n_k)
      const scaled = scores.map((row) => row.map((s) => F.mul(s, factor))); // (n_q × n_k)
      const capped = cap ? scaled.map((row) => row.map((s) => F.mul(cap, F.tanh(F.div(s, cap))))) : scaled; // (n_q × n_k), |capped| < cap
      const biased = capped.map((row, i) =>
        row.map((s, j) => {
          let x = biasAt ? F.add(s, biasFlat![biasAt(b, h, i, j)]) : s;
          if (slopes) x = F.add(x, F.mul(slopes[h], F.from(j - (i + nK - nQ))));
          return x;
        }),
      ); // (n_q × n_k)
      const masked = biased.map((row, i) => row.map((s, j) => (structuralAllows(alignment, options.keyLengths, dims, b, i, j) && (!maskAt || maskFlat![maskAt(b, h, i, j)]) ? s : fill))); // (n_q × n_k)
      const weights = masked.map((row) => softmaxRowWith(F, row)); // rows sum to 1, or are all 0 when fully masked (n_q × n_k)
      const output = weights.map((wi) => values[0].map((_, c) => wi.reduce((s, w, j) => F.add(s, F.mul(w, values[j][c])), F.zero))); // (n_q × n_k)(n_k × d_v) → (n_q × d_v)
      steps.scores[b][h] = scores;
      steps.scaled[b][h] = scaled;
      steps.capped[b][h] = capped;
      steps.biased[b][h] = biased;
      steps.masked[b][h] = masked;
      steps.weights[b][h] = weights;
      steps.output[b][h] = output;
    }
  }
  const output = from4(steps.output, rank);
  const present = { presentKey: from4(presentKey, rank), presentValue: from4(presentValue, rank) };
  if (options.steps) {
    return {
      scores: from4(steps.scores, rank),
      scaled: from4(steps.scaled, rank),
      capped: from4(steps.capped, rank),
      biased: from4(steps.biased, rank),
      masked: from4(steps.masked, rank),
      weights: from4(steps.weights, rank),
      output,
      ...present,
    };
  }
  if (options.present) return { output, ...present };
  return output;
}

export function attention(q: Nested, k: Nested, v: Nested, options: GeneralAttentionOptions & { steps: true }): GeneralAttentionSteps<Nested>;
export function attention(q: Nested, k: Nested, v: Nested, options: GeneralAttentionOptions & { present: true; steps?: false }): AttentionWithPresent<Nested>;
export function attention(q: Nested, k: Nested, v: Nested, options?: GeneralAttentionOptions): Nested;
export function attention(q: Nested, k: Nested, v: Nested, options?: GeneralAttentionOptions): Nested | GeneralAttentionSteps<Nested> | AttentionWithPresent<Nested> {
  return attentionWith(float64, q, k, v, options);
}
