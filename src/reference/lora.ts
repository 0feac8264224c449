/**
 * LoRA, low-rank adaptation of a frozen linear layer (Hu et al. 2021, "LoRA: Low-Rank Adaptation
 * of Large Language Models", §4.1; course "LoRA Formulation" and "LoRA in the Forward Pass";
 * scratch §6.1; interview "PEFT"):
 *
 *   W = W₀ + ΔW,      ΔW = s · B A,      s = α / r
 *   h = x W₀ᵀ + b + s · (drop(x) Aᵀ) Bᵀ          (the adaptation branch: down to r, up to d_out)
 *
 * W₀ (d_out × d_in) and b (d_out) are frozen; only A and B train. PyTorch layout, as PEFT stores
 * a LoRA-wrapped nn.Linear: base_layer.weight = W₀, lora_A.default.weight = A (r × d_in),
 * lora_B.default.weight = B (d_out × r). PEFT's initialisation: A ~ U(−1/√d_in, 1/√d_in)
 * (kaiming_uniform with a = √5), B = 0, so ΔW = 0 and the wrapped layer starts as the base layer.
 * Dropout (probability p, inverted) acts on the branch's input only; the base path never sees it.
 *
 * Merging (scratch §6.1: "merged with the original weights after training") replaces W₀ by
 * W₀ + s·B A: one matrix of the base's shape, so the merged layer costs exactly what the base
 * does. Unmerging subtracts the same product again.
 *
 * The interview deck writes ΔW ≈ A Bᵀ with A (d_out × r) and B (d_in × r). That is the same set
 * of matrices with the factors renamed: A_deck = B, B_deck = Aᵀ gives A_deck B_deckᵀ = B A, and
 * both conventions hold r·(d_in + d_out) numbers.
 *
 * Shapes: x (n × d_in), W₀ (d_out × d_in), A (r × d_in), B (d_out × r), ΔW (d_out × d_in), h (n × d_out).
 */
import { ArgumentError, RangeArgumentError, ShapeError } from '../core/errors.js';
import { dropoutMask, type Rng } from '../core/random.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { float64, type Field } from './field.js';
import { addWith, matMulWith, transpose } from './linear-algebra.js';
import { linearWith, type LinearParams } from './linear.js';

export interface LoraFactors<S> {
  /** lora_A.weight (r × d_in): the down-projection. */
  A: Matrix<S>;
  /** lora_B.weight (d_out × r): the up-projection, zero at initialisation. */
  B: Matrix<S>;
}

export interface LoraParams<S> extends LoraFactors<S> {
  /** The frozen layer (PEFT's base_layer). */
  base: LinearParams<S>;
}

export interface LoraOptions {
  /** The scaling numerator α: ΔW = (α/r)·B A. */
  alpha: number;
}

/** The shape rules, on shapes alone, so the tfjs layer raises the same errors as this one. */
export function checkLoraShapes(aShape: readonly number[], bShape: readonly number[], alpha: number, baseShape?: readonly number[]): { dIn: number; dOut: number; r: number; scaling: number } {
  if (aShape.length !== 2) throw new ShapeError(`lora_A.weight must be 2-D (r × d_in), got shape [${aShape}]`, 'BAD_RANK');
  if (bShape.length !== 2) throw new ShapeError(`lora_B.weight must be 2-D (d_out × r), got shape [${bShape}]`, 'BAD_RANK');
  const [r, dIn] = aShape;
  const [dOut, rB] = bShape;
  if (rB !== r) throw new ShapeError(`lora_B.weight is ${dOut}×${rB} but lora_A.weight is ${r}×${dIn}: B must have r = ${r} columns`);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) throw new RangeArgumentError(`LoRA alpha must be a finite number > 0, got ${String(alpha)}`);
  if (baseShape) {
    const [out, inW] = baseShape;
    if (baseShape.length !== 2 || out !== dOut || inW !== dIn) throw new ShapeError(`base_layer.weight is [${baseShape}] (out × in) but the LoRA factors give ΔW of ${dOut}×${dIn}`);
  }
  return { dIn, dOut, r, scaling: alpha / r };
}

/** Checks the factor shapes against each other (and the base layer, when given); returns the sizes and α/r. */
export function checkLora(factors: { A: unknown; B: unknown }, alpha: number, base?: { weight: unknown }): { dIn: number; dOut: number; r: number; scaling: number } {
  const a = assertMatrix(factors.A, 'lora_A.weight', { finite: false });
  const b = assertMatrix(factors.B, 'lora_B.weight', { finite: false });
  return checkLoraShapes(a, b, alpha, base ? assertMatrix(base.weight, 'base_layer.weight', { finite: false }) : undefined);
}

/** ΔW = (α/r)·B A  (d_out × d_in). */
export function loraDeltaWith<S>(F: Field<S>, f: LoraFactors<S>, o: LoraOptions): Matrix<S> {
  const { scaling } = checkLora(f, o.alpha);
  const s = F.from(scaling);
  return matMulWith(F, f.B, f.A, ['lora_B.weight', 'lora_A.weight']).map((row) => row.map((v) => F.mul(s, v))); // (d_out × r)(r × d_in) → (d_out × d_in)
}

/** Training options of loraLinear: dropout on the branch input, drawn from a seed or given as a mask. */
export interface LoraDropoutOptions {
  dropout?: { p: number; seed: number };
  dropoutMask?: Matrix<number>;
}

/**
 * The LoRA-wrapped layer: base path plus the scaled low-rank branch. In training the branch input
 * is multiplied element-wise by an inverted-dropout mask (entries 0 or 1/(1 − p)): `dropout`
 * {p, seed} draws loraDropoutMask(seed, …), the mask tfjs draws for the same seed; `dropoutMask`
 * gives one explicitly.
 */
export function loraLinearWith<S>(F: Field<S>, x: Matrix<S>, p: LoraParams<S>, o: LoraOptions & LoraDropoutOptions, name = 'lora'): Matrix<S> {
  const { scaling } = checkLora(p, o.alpha, p.base);
  const [n, dIn] = assertMatrix(x, `${name} input`, { finite: false });
  if (o.dropout && o.dropoutMask) throw new ArgumentError(`${name}: give either dropout {p, seed} or an explicit dropoutMask, not both`);
  let xd = x;
  const mask = o.dropout && o.dropout.p > 0 ? loraDropoutMask(o.dropout.seed, n, dIn, o.dropout.p) : o.dropoutMask;
  if (mask) {
    const [mr, mc] = assertMatrix(mask, `${name} dropout mask`);
    if (mr !== n || mc !== dIn) throw new ShapeError(`${name}: the dropout mask is ${mr}×${mc} but the input is ${n}×${dIn}`);
    xd = x.map((row, i) => row.map((v, j) => F.mul(v, F.from(mask[i][j]))));
  }
  const base = linearWith(F, x, p.base, `${name}.base_layer`); // x W₀ᵀ + b   (n × d_out)
  const down = matMulWith(F, xd, transpose(p.A), [`${name} input`, 'lora_A.weightᵀ']); // (n × d_in)(d_in × r) → (n × r)
  const up = matMulWith(F, down, transpose(p.B), ['x Aᵀ', 'lora_B.weightᵀ']); // (n × r)(r × d_out) → (n × d_out)
  const s = F.from(scaling);
  return addWith(F, base, up.map((row) => row.map((v) => F.mul(s, v))), ['base', 'lora branch']); // (n × d_out)
}

/** W₀ + (α/r)·B A as a plain layer of the base's shape (bias unchanged). */
export function mergeLoraWith<S>(F: Field<S>, p: LoraParams<S>, o: LoraOptions): LinearParams<S> {
  checkLora(p, o.alpha, p.base);
  return { weight: addWith(F, p.base.weight, loraDeltaWith(F, p, o), ['base_layer.weight', 'ΔW']), ...(p.base.bias ? { bias: [...p.base.bias] } : {}) };
}

/** The inverse of merging: W − (α/r)·B A. */
export function unmergeLoraWith<S>(F: Field<S>, merged: LinearParams<S>, f: LoraFactors<S>, o: LoraOptions): LinearParams<S> {
  checkLora(f, o.alpha, merged);
  const delta = loraDeltaWith(F, f, o);
  return { weight: merged.weight.map((row, i) => row.map((v, j) => F.sub(v, delta[i][j]))), ...(merged.bias ? { bias: [...merged.bias] } : {}) };
}

/**
 * GPT-2's Conv1D keeps its weight as (d_in × d_out) and computes x W + b — the transpose of
 * nn.Linear's layout. PEFT wraps it with the same A (r × d_in) and B (d_out × r) and, because of
 * that layout (fan_in_fan_out = True), merges the transposed update: W + (α/r)·(B A)ᵀ.
 */
export function mergeLoraConv1dWith<S>(F: Field<S>, conv: LinearParams<S>, f: LoraFactors<S>, o: LoraOptions): LinearParams<S> {
  const merged = mergeLoraWith(F, { base: { weight: transpose(conv.weight), ...(conv.bias ? { bias: conv.bias } : {}) }, ...f }, o);
  return { weight: transpose(merged.weight), ...(merged.bias ? { bias: merged.bias } : {}) }; // back to (d_in × d_out)
}

/** PEFT's initialisation: A ~ U(−1/√d_in, 1/√d_in), B = 0 (so the wrapped layer equals the base). */
export function initLora(rng: Rng, dIn: number, dOut: number, r: number): LoraFactors<number> {
  for (const [v, n] of [[dIn, 'd_in'], [dOut, 'd_out'], [r, 'r']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeArgumentError(`LoRA ${n} must be an integer ≥ 1, got ${v}`);
  }
  const bound = 1 / Math.sqrt(dIn);
  return {
    A: Array.from({ length: r }, () => Array.from({ length: dIn }, () => rng.uniform(-bound, bound))),
    B: Array.from({ length: dOut }, () => new Array<number>(r).fill(0)),
  };
}

/**
 * Inverted-dropout mask for the branch input (rows × cols): 1/(1 − p) with probability 1 − p, else 0;
 * which entries drop is src/core/random.ts's dropoutMask of the seed, the mask tfjs's loraLinear
 * draws for the same seed. The scale is kept in float64.
 */
export function loraDropoutMask(seed: number, rows: number, cols: number, p: number): Matrix<number> {
  const drawn = dropoutMask(rows * cols, p, seed);
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (drawn[i * cols + j] === 0 ? 0 : 1 / (1 - p))));
}

/** Trainable numbers of one adapted layer: A and B together, r·(d_in + d_out). */
export function loraParameterCount(dIn: number, dOut: number, r: number): number {
  if (![dIn, dOut, r].every((v) => Number.isInteger(v) && v >= 1)) throw new RangeArgumentError(`LoRA sizes must be integers ≥ 1, got d_in ${dIn}, d_out ${dOut}, r ${r}`);
  return r * (dIn + dOut);
}

// ---------------------------------------------------------------------------------------------
// The interview deck's convention, ΔW ≈ A Bᵀ

export interface AbtFactors<S> {
  /** (d_out × r) */
  A: Matrix<S>;
  /** (d_in × r) */
  B: Matrix<S>;
}

/** Renames course-convention factors (ΔW = B A) into the deck's (ΔW = A Bᵀ): A_deck = B, B_deck = Aᵀ. */
export function toAbtConvention<S>(f: LoraFactors<S>): AbtFactors<S> {
  checkLora(f, 1);
  return { A: f.B.map((r) => [...r]), B: transpose(f.A) };
}

/** And back: B = A_deck, A = B_deckᵀ. */
export function fromAbtConvention<S>(f: AbtFactors<S>): LoraFactors<S> {
  const [dOut, r] = assertMatrix(f.A, 'A (deck convention)', { finite: false });
  const [dIn, r2] = assertMatrix(f.B, 'B (deck convention)', { finite: false });
  if (r !== r2) throw new ShapeError(`A is ${dOut}×${r} and B is ${dIn}×${r2}: both need r columns`);
  return { A: transpose(f.B), B: f.A.map((row) => [...row]) };
}

/** ΔW = A Bᵀ in the deck's convention (no scaling). */
export function deltaAbtWith<S>(F: Field<S>, f: AbtFactors<S>): Matrix<S> {
  if (f.A[0]?.length !== f.B[0]?.length) throw new ArgumentError('A and B must have the same number r of columns');
  return matMulWith(F, f.A, transpose(f.B), ['A', 'Bᵀ']); // (d_out × r)(r × d_in) → (d_out × d_in)
}

/** ΔW = B A in the course's convention (no scaling). */
export function deltaBaWith<S>(F: Field<S>, f: LoraFactors<S>): Matrix<S> {
  checkLora(f, 1);
  return matMulWith(F, f.B, f.A, ['B', 'A']); // (d_out × r)(r × d_in) → (d_out × d_in)
}

export const loraLinear = (x: Matrix, p: LoraParams<number>, o: LoraOptions & LoraDropoutOptions, name = 'lora') => loraLinearWith(float64, x, p, o, name);
/** The tfjs name and arguments: ΔW = A·Bᵀ in the (A d×r, B d×r) convention of the course (see toAbtConvention). */
export const deltaAbt = (A: Matrix, B: Matrix): Matrix => deltaAbtWith(float64, { A, B });
export const deltaBa = (f: LoraFactors<number>): Matrix => deltaBaWith(float64, f);
export const loraDelta = (f: LoraFactors<number>, o: LoraOptions) => loraDeltaWith(float64, f, o);
export const mergeLora = (p: LoraParams<number>, o: LoraOptions) => mergeLoraWith(float64, p, o);
export const mergeLoraConv1d = (conv: LinearParams<number>, f: LoraFactors<number>, o: LoraOptions) => mergeLoraConv1dWith(float64, conv, f, o);
export const unmergeLora = (merged: LinearParams<number>, f: LoraFactors<number>, o: LoraOptions) => unmergeLoraWith(float64, merged, f, o);
