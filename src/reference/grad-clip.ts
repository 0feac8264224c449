/**
 * Gradient clipping by global norm (the course lists gradient clipping among the regularisers of
 * LLM training), as torch.nn.utils.clip_grad_norm_ does it:
 *
 *   N = ‖(g₁, …, g_n)‖₂ = √(Σ_i Σ_j g_ij²)          one norm over every tensor together
 *   c = min(1, max_norm / (N + 10⁻⁶))
 *   g_i ← c · g_i                                   every tensor scaled by the same c
 *
 * So the direction of the whole gradient is kept and only its length is capped (slightly below
 * max_norm: N·max_norm/(N + 10⁻⁶)); a gradient already shorter is left as it is. The 10⁻⁶ keeps a
 * zero gradient finite. Returns N before clipping, as PyTorch does.
 *
 * Gradients are flat float64 vectors, one per tensor.
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';

export const CLIP_EPSILON = 1e-6;

export function checkMaxNorm(maxNorm: number): void {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) throw new RangeArgumentError(`max_norm must be a finite number > 0, got ${maxNorm}`);
}

export function clipGradNorm(grads: readonly (readonly number[])[], maxNorm: number): { grads: number[][]; totalNorm: number; scale: number } {
  checkMaxNorm(maxNorm);
  let sumSq = 0;
  grads.forEach((g, i) =>
    g.forEach((x, j) => {
      if (!Number.isFinite(x)) throw new ArgumentError(`gradient ${i}[${j}] is ${x}: the global norm would not be finite`);
      sumSq += x * x;
    }),
  );
  const totalNorm = Math.sqrt(sumSq);
  const scale = Math.min(1, maxNorm / (totalNorm + CLIP_EPSILON));
  return { grads: grads.map((g) => g.map((x) => x * scale)), totalNorm, scale };
}
