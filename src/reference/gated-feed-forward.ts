/**
 * Gated feed-forward network (Shazeer 2020, "GLU Variants Improve Transformer", eqs. 5–6; Dauphin
 * et al. 2017 for the gated linear unit), with the module names of Hugging Face's LlamaMLP:
 *
 *   GLU(x) = down_proj( act(gate_proj(x)) ⊙ up_proj(x) )
 *
 *   act = SiLU       SwiGLU: LLaMA, Mistral, Qwen2 (hidden_act "silu")
 *   act = GELU       GeGLU as Shazeer defines it (erf GELU)
 *   act = GELU-tanh  GeGLU as Gemma computes it (hidden_activation "gelu_pytorch_tanh")
 *
 * Biases are optional on each projection (LLaMA's mlp_bias, default false; Shazeer's FFNs have none).
 * Three matrices instead of two: at the same parameter count d_ff is about 2/3 of the plain FFN's
 * (LLaMA-7B: d_ff = 11008 ≈ (2/3)·4·4096, rounded up to a multiple of 256).
 * Shapes: x (n × d_model) → (n × d_model); gate_proj, up_proj weight (d_ff × d_model), down_proj
 * weight (d_model × d_ff). Each row (token) is transformed on its own.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { applyActivationWith } from './activations.js';
import { checkInputValues } from '../core/numeric-conventions.js';
import { asNumbers, float64, type Field } from './field.js';
import { linearWith, type LinearParams } from './linear.js';

/** The gate's activation: 'silu' is SwiGLU; 'gelu' and 'gelu-tanh' are GeGLU (erf and tanh GELU). */
export type GatedActivation = 'silu' | 'gelu' | 'gelu-tanh';
export const GATED_VARIANTS: Record<GatedActivation, string> = {
  silu: 'SwiGLU (LLaMA, Mistral, Qwen2)',
  gelu: 'GeGLU with the erf GELU (Shazeer 2020)',
  'gelu-tanh': 'GeGLU with the tanh GELU (Gemma: gelu_pytorch_tanh)',
};

export interface GatedFeedForwardParams<S> {
  gate_proj: LinearParams<S>;
  up_proj: LinearParams<S>;
  down_proj: LinearParams<S>;
}

/** Checks both implementations run: the activation names a gated variant, the three projections are there. */
export function checkGatedArgs(p: unknown, activation: unknown, name: string): void {
  if (!(activation === 'silu' || activation === 'gelu' || activation === 'gelu-tanh')) {
    throw new ArgumentError(`${name}: activation ${String(activation)} is not a gated variant; use 'silu' (SwiGLU), 'gelu' or 'gelu-tanh' (GeGLU)`);
  }
  const q = p as Record<string, unknown> | null;
  for (const m of ['gate_proj', 'up_proj', 'down_proj']) {
    if (!q || typeof q[m] !== 'object' || q[m] === null) throw new ShapeError(`${name} needs parameters gate_proj, up_proj and down_proj (LlamaMLP's names); ${m} is missing`);
  }
}

export function gatedFeedForwardWith<S>(F: Field<S>, x: Matrix<S>, p: GatedFeedForwardParams<S>, activation: GatedActivation, name = 'mlp'): Matrix<S> {
  checkGatedArgs(p, activation, name);
  checkInputValues(asNumbers(F, x), `${name} input`); // NaN and ±∞ refused by name (numeric-conventions rule 1), before any product
  const gate = applyActivationWith(F, linearWith(F, x, p.gate_proj, `${name}.gate_proj`), activation); // (n × d_ff)
  const up = linearWith(F, x, p.up_proj, `${name}.up_proj`); // (n × d_ff)
  if (up[0].length !== gate[0].length) throw new ShapeError(`${name}: gate_proj gives ${gate[0].length} features but up_proj gives ${up[0].length}; both must be d_ff`);
  const hidden = gate.map((row, i) => row.map((g, j) => F.mul(g, up[i][j]))); // (n × d_ff), act(gate) ⊙ up
  return linearWith(F, hidden, p.down_proj, `${name}.down_proj`); // (n × d_model)
}

export const gatedFeedForward = (x: Matrix, p: GatedFeedForwardParams<number>, activation: GatedActivation, name = 'mlp'): Matrix => gatedFeedForwardWith(float64, x, p, activation, name);
