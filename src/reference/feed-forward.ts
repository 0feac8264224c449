/**
 * Position-wise feed-forward network (Vaswani et al. §3.3; interview deck "Step 5: Feed Forward
 * Network"; the tutorial's FeedForward module):
 *
 *   FFN(x) = act(x W₁ᵀ + b₁) W₂ᵀ + b₂,   act ∈ {ReLU, GELU (erf), GELU (tanh)},  d_ff = 4·d_model
 *
 * Parameters use the tutorial's module names: net.0 is the expanding Linear (d_ff × d_model),
 * net.2 the projecting one (d_model × d_ff); net.1 is the activation and net.3 the dropout.
 * Shapes: x (n × d_model) → (n × d_model). Each row (token) is transformed independently.
 */
import { ShapeError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { applyActivationWith, type Activation } from './activations.js';
import { float64, type Field } from './field.js';
import { linearWith, type LinearParams } from './linear.js';

export interface FeedForwardParams<S> {
  /** net[0]: Linear(d_model → d_ff); net[2]: Linear(d_ff → d_model). */
  net: LinearParams<S>[];
}

export function feedForwardWith<S>(F: Field<S>, x: Matrix<S>, p: FeedForwardParams<S>, activation: Activation, name = 'ff'): Matrix<S> {
  if (!p.net?.[0] || !p.net?.[2]) throw new ShapeError(`${name} needs parameters net.0 and net.2 (the two Linear layers)`);
  const hidden = applyActivationWith(F, linearWith(F, x, p.net[0], `${name}.net.0`), activation); // (n × d_ff)
  return linearWith(F, hidden, p.net[2], `${name}.net.2`); // (n × d_model)
}

export const feedForward = (x: Matrix, p: FeedForwardParams<number>, activation: Activation, name = 'ff'): Matrix => feedForwardWith(float64, x, p, activation, name);
