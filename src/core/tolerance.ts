/**
 * Tolerance policy — the one place where "close enough" is decided, and why.
 *
 * Rule (STYLE.md): |actual − expected| ≤ atol + rtol·|expected|; NaN is close only to NaN;
 * an infinity is close only to the same infinity. Every bound below carries the reason it has
 * that size; specs cite these entries by name instead of inventing their own epsilons, and each
 * per-op entry has a discrimination spec (spec/tolerance/) proving it rejects a known near-miss.
 *
 * Printed document numbers are a separate rule (CLAIMS.md): a number printed with k decimals
 * holds when the exact value rounds to it, i.e. |exact − printed| ≤ 0.5·10^−k (+ float slack).
 */
import { MalformedInputError, RangeArgumentError } from './errors.js';
import type { ImplName } from './claims.js';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
  readonly reason: string;
}

export function tol(atol: number, rtol: number, reason: string): Tolerance {
  return { atol, rtol, reason };
}

/** The single closeness rule of the project. */
export function isClose(actual: number, expected: number, t: Pick<Tolerance, 'atol' | 'rtol'>): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= t.atol + t.rtol * Math.abs(expected);
}

export interface Comparison {
  ok: boolean;
  /** Largest |actual − expected| over all elements (Infinity on a NaN/∞ mismatch). */
  maxAbsError: number;
  /** Index path of the worst element, for the failure message. */
  worst: number[];
  message: string;
}

type Nested = number | Nested[];

/** Element-wise comparison of equally shaped nested arrays under one tolerance. */
export function compareNested(actual: Nested, expected: Nested, t: Pick<Tolerance, 'atol' | 'rtol'>): Comparison {
  let ok = true;
  let maxAbsError = 0;
  let worst: number[] = [];
  let firstBad = '';
  const walk = (a: Nested, e: Nested, path: number[]): void => {
    if (Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) {
        ok = false;
        maxAbsError = Infinity;
        if (!firstBad) firstBad = `shape differs at [${path}]: expected length ${e.length}, got ${Array.isArray(a) ? a.length : 'a scalar'}`;
        return;
      }
      e.forEach((ei, i) => walk(a[i], ei, [...path, i]));
      return;
    }
    if (Array.isArray(a)) {
      ok = false;
      maxAbsError = Infinity;
      if (!firstBad) firstBad = `shape differs at [${path}]: expected a scalar, got an array`;
      return;
    }
    const err = Number.isNaN(a) && Number.isNaN(e) ? 0 : a === e ? 0 : Math.abs(a - e);
    const errOrInf = Number.isNaN(err) ? Infinity : err;
    if (errOrInf > maxAbsError) {
      maxAbsError = errOrInf;
      worst = path;
    }
    if (!isClose(a, e, t)) {
      ok = false;
      if (!firstBad) firstBad = `at [${path}]: got ${a}, expected ${e} (|Δ| = ${err}, allowed ${t.atol} + ${t.rtol}·|expected|)`;
    }
  };
  walk(actual, expected, []);
  return { ok, maxAbsError, worst, message: ok ? 'close' : firstBad };
}

// ---------------------------------------------------------------------------------------------
// Printed precision

/** Number of decimals a document printed ("0.42" → 2, "1.0" → 1, "6.436" → 3, "1" → 0). */
export function printedDecimals(printed: string): number {
  const m = /^[-+]?(?=\.?\d)\d*(?:\.(\d+))?$/.exec(printed.trim()); // at least one digit: "", "-" are not numbers
  if (!m) throw new MalformedInputError(`not a printed decimal number: ${JSON.stringify(printed)}`);
  return m[1]?.length ?? 0;
}

/** Half a unit in the last printed place, plus slack for the float error of the computed value. */
export function printedTolerance(printed: string, floatSlack: number): Tolerance {
  const k = printedDecimals(printed);
  return tol(0.5 * 10 ** -k + floatSlack, 0, `printed with ${k} decimal${k === 1 ? '' : 's'}: the exact value must round to it`);
}

/**
 * The values a round number stands for when a document writes "~", "about", "roughly" or just a
 * round figure (golden/README.md, rule 2): the number read at its last significant digit, so
 * 30,000 covers [25,000, 35,000), 200,000 [150,000, 250,000), 150 million [145, 155) million and
 * 1 (as in "~1%") [0.5, 1.5). Positive integers only: a decimal is read by printedTolerance.
 */
export function approximateRange(round: number): [number, number] {
  if (!Number.isSafeInteger(round) || round <= 0) throw new RangeArgumentError(`approximateRange reads positive integers, got ${round}`);
  let unit = 1;
  while (round % (unit * 10) === 0) unit *= 10;
  return [round - unit / 2, round + unit / 2];
}

/** Does the exact value round to what the document printed? */
export function matchesPrinted(exact: number, printed: string, floatSlack: number): boolean {
  return isClose(exact, Number(printed), printedTolerance(printed, floatSlack));
}

// ---------------------------------------------------------------------------------------------
// The policy table (per implementation, per operation)

export type { ImplName };

/** Extra slack when comparing a computed value against a printed number, per implementation. */
export const PRINTED_SLACK: Record<ImplName, number> = {
  // float64 carries ~1e-16 relative error; 1e-12 covers a few hundred roundings on O(1) values.
  reference: 1e-12,
  'high-precision': 1e-40,
  // float32 carries ~6e-8 relative error; 1e-6 covers a handful of roundings on O(1) values.
  tfjs: 1e-6,
};

/**
 * Exact-valued claims (integers, shapes, closed forms), compared per implementation.
 * High precision runs at 64 significant digits (src/reference/high-precision.ts); after a few
 * dozen operations 1e-50 is still 10^13 times the rounding unit.
 */
export const EXACT: Record<ImplName, Tolerance> = {
  reference: tol(1e-12, 1e-12, 'float64: a short chain of O(1) operations stays within ~1e-15; 1e-12 leaves room'),
  'high-precision': tol(1e-50, 0, 'BigNumber at 64 digits: rounding unit 1e-64, a few dozen ops stay far below 1e-50'),
  tfjs: tol(1e-6, 1e-5, 'float32: rounding unit 6e-8; O(1) inputs through exp/division/matmul stay within ~1e-6'),
};

/** float64 reference vs the 64-digit BigNumber oracle (STYLE.md starting point). */
export const REFERENCE_VS_HIGH_PRECISION = tol(
  1e-12,
  1e-12,
  'float64 rounding unit 1.1e-16; softmax/attention on n ≤ 64, |x| ≤ 10 accumulate < 1e-13',
);

/**
 * tfjs (float32) vs the float64 reference, per op. Bounds are for the input ranges the property
 * specs draw (|x| ≤ 4, n ≤ 12, d ≤ 32); the discrimination specs show each rejects a near-miss.
 */
export const TFJS_VS_REFERENCE = {
  default: tol(1e-6, 1e-5, 'float32 (unit 6e-8): STYLE.md default for short elementwise chains'),
  exact: tol(0, 0, 'no arithmetic (boolean masks): both sides must agree entry for entry'),
  linear: tol(
    5e-6,
    1e-5,
    'one matmul (and a bias) with inner dimension ≤ 32 (FFN: 4·12 = 48) of |x| ≤ 4 by Glorot-range weights: each output sums ≤ 48 products of O(1) terms, ~√48·|term|·6e-8 in float32',
  ),
  normalisation: tol(
    1e-5,
    1e-5,
    'mean, variance (or mean square) and one division per row, C ≤ 32, |x| ≤ 4 with a spread ≥ 0.5 (a smaller σ amplifies the float32 error of x − μ by 1/σ)',
  ),
  block: tol(
    2e-5,
    1e-4,
    'a Transformer layer on one sequence: two normalisations, four projections, attention and a 4× FFN chained in float32; the PyTorch fixtures measure ≤ 7.2e-7 for the same chains',
  ),
  softmax: tol(1e-6, 1e-5, 'exp of max-shifted logits then one division: a few float32 roundings per entry'),
  attention: tol(
    2e-5,
    1e-4,
    'two matmuls with inner dimension ≤ 32 plus softmax: float32 accumulation grows like √d·|q||k|·6e-8; scores reach |20|',
  ),
  multiHeadAttention: tol(
    5e-5,
    2e-4,
    'four projections and two attention matmuls chained (inner dims ≤ 32): each adds attention-sized error',
  ),
  positionalEncoding: tol(
    1e-7,
    0,
    'sin and cos of the float64 angle pos·ω (src/core/angle-tables.ts), rounded once to float32: ≤ 2^-25 ≈ 3e-8 for values in [−1, 1], at any position',
  ),
  rope: tol(
    2e-6,
    1e-6,
    'cos/sin tables from float64 angles (src/core/angle-tables.ts) rounded once, then x·cos − y·sin in float32: a few roundings of |x| ≤ 4, at any position',
  ),
  gradient: tol(1e-4, 1e-3, 'gradients chain the forward error through softmax Jacobians; STYLE.md gradient bound 1e-4'),
} as const satisfies Record<string, Tolerance>;

/** Finite-difference gradients (float64, central difference, h = 1e-5) vs analytic gradients. */
export const FINITE_DIFFERENCE = tol(
  1e-5,
  1e-3,
  'central differences have truncation error O(h²)·f‴ ≈ 1e-10 and cancellation error ~1e-16/h ≈ 1e-11 in float64; tfjs float32 gradients add ~1e-6',
);

/**
 * Parity with PyTorch (fixtures exported in float32 by scripts/export-fixtures.py).
 * PyTorch's own values carry float32 rounding (unit 6e-8) through up to ~10 chained ops (two
 * LayerNorms, four matmuls with inner dims ≤ 64, softmax, GELU). Measured by `npm run parity`
 * (15 layers incl. RMSNorm, 2 models, wasm and cpu): forward ≤ 7.2e-7 (tfjs) and ≤ 4.9e-7 (reference);
 * gradients ≤ 1.4e-6 (tfjs, every tensor). The bounds keep ≥ 10× margin over those maxima.
 */
export const PYTORCH_PARITY = {
  forward: tol(1e-5, 1e-4, 'layer outputs O(1): measured max 7.2e-7 over all layer fixtures; 1e-5 absolute keeps 14× margin'),
  modelForward: tol(1e-5, 1e-4, 'TinyGPT/TinyBERT logits and loss after 2 blocks, ln_f and the head: measured max 5.4e-7; 1e-5 keeps 18× margin'),
  gradient: tol(1e-4, 1e-3, 'backward doubles the op chain and sums over batch and time (≤ 64 terms): measured max 1.4e-6; STYLE.md gradient bound 1e-4'),
} as const satisfies Record<string, Tolerance>;

/**
 * A probability vector given to a sampler must sum to 1 within this bound (sampling,
 * src/reference/sampling.ts). A float32 softmax over V entries sums to 1 within about V·6e-8 in
 * the worst case and √V·6e-8 typically, so 1e-4 accepts any float32 distribution over up to
 * ~1,600 tokens (TinyGPT: 48) even in the worst case, and far larger vocabularies in practice;
 * a vector that lost a token of probability ≥ 1e-4, or counted one twice, is refused.
 */
export const PROBABILITY_SUM = tol(1e-4, 0, 'float32 softmax over V tokens sums to 1 within V·6e-8 (worst case); 1e-4 admits V ≤ 1,600 worst-case and refuses a lost or doubled token of mass ≥ 1e-4');

/**
 * Language-model metrics on tfjs (float32) vs the float64 reference (src/tfjs/metrics.ts): the
 * cross-entropy with ignore index, the response-only loss (mean or sum), perplexity e^CE, bits per
 * character CE/ln 2. For logits |z| ≤ 10 over V ≤ 64 tokens and N ≤ 16 positions, each row's
 * log-softmax rounds z − max (|·| ≤ 20, float32 unit 1.2e-6 there) and one log: ≤ ~2e-6 per row,
 * and the mean keeps that; e^CE turns it into the same relative error. 1e-5 absolute + 1e-5
 * relative keeps a 5× margin, and still rejects PyTorch's label smoothing at ε = 0.001 (which moves
 * a confident model's loss by ε·(mean_v −log p_v − CE) ≳ 1e-3; spec/metrics/metrics.property.spec.ts).
 */
export const TFJS_METRICS = tol(1e-5, 1e-5, 'float32 log-softmax of |z| ≤ 10 rows: ≤ ~2e-6 per position, kept by the mean and (relatively) by e^CE; rejects label smoothing ε = 0.001');

/**
 * Parameter-efficient fine-tuning and alignment objectives on tfjs (float32) vs the float64
 * reference (src/{reference,tfjs}/{lora,adapter,peft-tiny-gpt,alignment}.ts), for the ranges the
 * PEFT property specs draw (|x| ≤ 4, d ≤ 8, r ≤ 4, Glorot-range weights; the TinyGPT fixture).
 * Each has a discrimination spec in spec/peft/peft.property.spec.ts (LoRA without α/r; DPO without β).
 */
export const PEFT_TFJS_VS_REFERENCE = {
  lora: tol(
    5e-6,
    1e-5,
    'x W₀ᵀ + b plus the rank-r branch (x Aᵀ) Bᵀ·α/r: two short matmul chains (inner dims ≤ 8) of O(1) values, a few float32 roundings (unit 6e-8) each; α/r up to 8 scales the branch error',
  ),
  tinyGpt: tol(
    2e-5,
    1e-4,
    'TinyGPT fixture logits (2 pre-LN blocks, C 32) with LoRA, adapters, a soft prompt or a prefix: the model-forward chain of PYTORCH_PARITY.modelForward; measured ≤ 3.3e-7',
  ),
  alignment: tol(1e-6, 1e-5, 'softplus, log, exp, min and clip of O(1) scalars: a handful of float32 roundings'),
  gradient: tol(1e-6, 1e-5, "tf.grads of −log σ(β·margin) with respect to the log-probabilities, vs the float64 analytic β·σ(−margin): one sigmoid's rounding"),
} as const satisfies Record<string, Tolerance>;

/**
 * Tiled attention with an online softmax (src/{reference,tfjs}/tiled-attention.ts) vs standard
 * attention on the same implementation, for the ranges the efficient-attention property specs draw
 * (n_q, n_k ≤ 24, d_k ≤ 32, d_v ≤ 16, |x| ≤ 4, so scores reach |90|; any block sizes 1…n + 2; no
 * mask, causal, sliding window, random boolean masks). The tiled pass adds the same terms in
 * another order and rescales the running sums by α = e^{m − m'} once per tile. Measured over 400
 * random cases: float64 ≤ 4.0e-15; float32 output ≤ 8.3e-6, float32 gradients ≤ 2.9e-5. The
 * discrimination spec (spec/efficient-attention/) shows each bound rejects the classic bug of
 * skipping the α rescale (and, for gradients, dropping the softmax-Jacobian term D_i = rowsum(dO ∘ O)).
 */
export const TILED_VS_STANDARD = {
  reference: tol(1e-12, 1e-12, 'float64 (unit 1.1e-16): one extra rescale per tile and a different summation order; measured ≤ 4.0e-15 absolute'),
  highPrecision: tol(1e-50, 0, 'BigNumber at 64 digits: the two summation orders agree far below 1e-50'),
  tfjs: tol(5e-5, 1e-4, 'float32 (unit 6e-8) on both sides, two matmuls with inner dims ≤ 32 and scores up to |90|, plus ≤ 24 α rescales; measured ≤ 8.3e-6 (6× margin)'),
  tfjsGradient: tol(2e-4, 1e-3, 'float32 backward by recomputation vs tfjs autodiff of the standard pass: P re-formed as e^{s − L}, three more matmuls per tile; measured ≤ 2.9e-5 (7× margin)'),
} as const satisfies Record<string, Tolerance>;

/**
 * Optimiser steps vs torch.optim.AdamW (fixtures/optim, scripts/export-optim-fixtures.py): the
 * parameters after every step of three cases (defaults; λ = 0.3 with zero-gradient rows; clipping
 * under a warm-up + cosine schedule), O(1) values moved by ≤ lr per step. PyTorch computes in
 * float32, so each step carries a few roundings of unit 6e-8 and ≤ 8 steps accumulate them.
 * Measured max |ours − torch|: 4.0e-7 (float64 reference), 1.2e-7 (tfjs, float32). 1e-6 keeps a
 * 2.5× margin and rejects the usual near-misses by ≥ 100× (spec/training/optimiser.parity.spec.ts:
 * decay coupled into the gradient, ε inside the square root, no bias correction, decay after the
 * Adam step, clipping per tensor instead of globally).
 */
export const OPTIMISER_PARITY = tol(1e-6, 1e-6, 'float32 AdamW steps of O(1) parameters: measured ≤ 4.0e-7 over 19 steps; near-miss variants differ by ≥ 1e-4');
