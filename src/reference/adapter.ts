/**
 * Bottleneck adapter (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP", §2.1;
 * course "Adapter Layers"; interview "PEFT": "small bottleneck layers"):
 *
 *   Adapter(h) = h + φ(h W_downᵀ + b_down) W_upᵀ + b_up
 *
 * down-projection to a bottleneck of width m ≪ d, a nonlinearity φ, up-projection back to d, and
 * a residual connection. Houlsby et al. insert two per Transformer block — after the attention
 * sub-layer and after the feed-forward sub-layer — and train only the adapters (they also train the
 * LayerNorms; we count adapter weights only). Near-identity initialisation: with W_up = 0 and
 * b_up = 0 the adapter is exactly the identity, so the adapted model starts as the base model.
 *
 * Shapes: h (n × d), W_down (m × d), b_down (m), W_up (d × m), b_up (d); parameters 2·d·m + m + d.
 */
import { RangeArgumentError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { assertMatrix, type Matrix } from '../core/shape.js';
import { applyActivationWith, type Activation } from './activations.js';
import { float64, type Field } from './field.js';
import { addWith } from './linear-algebra.js';
import { linearWith, type LinearParams } from './linear.js';

export interface AdapterParams<S> {
  /** Linear(d → m), weight (m × d). */
  down: LinearParams<S>;
  /** Linear(m → d), weight (d × m); zero at initialisation. */
  up: LinearParams<S>;
}

export function checkAdapter(p: AdapterParams<unknown>, d?: number): { d: number; m: number } {
  if (!p?.down?.weight || !p?.up?.weight) throw new ShapeError('an adapter needs down.weight (m × d) and up.weight (d × m)');
  const [m, dIn] = assertMatrix(p.down.weight, 'adapter down.weight', { finite: false });
  const [dOut, m2] = assertMatrix(p.up.weight, 'adapter up.weight', { finite: false });
  if (m2 !== m || dOut !== dIn) throw new ShapeError(`adapter down.weight is ${m}×${dIn} and up.weight ${dOut}×${m2}: expected (m × d) and (d × m)`);
  if (d !== undefined && dIn !== d) throw new ShapeError(`the adapter is ${dIn} wide but its input has ${d} features`);
  return { d: dIn, m };
}

export function adapterWith<S>(F: Field<S>, h: Matrix<S>, p: AdapterParams<S>, activation: Activation = 'gelu', name = 'adapter'): Matrix<S> {
  checkAdapter(p, assertMatrix(h, `${name} input`, { finite: false })[1]);
  const bottleneck = applyActivationWith(F, linearWith(F, h, p.down, `${name}.down`), activation); // (n × m)
  return addWith(F, h, linearWith(F, bottleneck, p.up, `${name}.up`), [`${name} input`, `${name} branch`]); // (n × d)
}

/** Near-identity initialisation: down ~ N(0, σ²) with σ = 1/√d, up = 0 (weights and biases). */
export function initAdapter(rng: Rng, d: number, m: number): AdapterParams<number> {
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(m) || m < 1) throw new RangeArgumentError(`adapter sizes must be integers ≥ 1, got d ${d}, m ${m}`);
  return {
    down: { weight: Array.from({ length: m }, () => Array.from({ length: d }, () => rng.normal() / Math.sqrt(d))), bias: new Array<number>(m).fill(0) },
    up: { weight: Array.from({ length: d }, () => new Array<number>(m).fill(0)), bias: new Array<number>(d).fill(0) },
  };
}

/** Trainable numbers of one adapter: 2·d·m + m + d. */
export const adapterParameterCount = (d: number, m: number): number => 2 * d * m + m + d;

export const adapter = (h: Matrix, p: AdapterParams<number>, activation?: Activation, name = 'adapter') => adapterWith(float64, h, p, activation, name);
