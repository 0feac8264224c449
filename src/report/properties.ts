/**
 * Properties the specs check that no claim of `npm start` checks, and the claims they stand behind.
 * Each would be a claim if a document stated it; none does (the reason is given per property), so
 * the report lists them in a coverage section instead — which spec proves what, next to the claims
 * whose verdicts would be wrong without it. spec/report/mutation.spec.ts checks that every spec and
 * claim named here exists.
 */

export interface PropertyBehindClaims {
  property: string;
  specs: readonly string[];
  claims: readonly string[];
  /** Why it is not a claim of its own. */
  whyNoClaim: string;
}

export const PROPERTIES_BEHIND_CLAIMS: readonly PropertyBehindClaims[] = [
  {
    property: 'RoPE pairing: the interleaved pairs (x₂ᵢ, x₂ᵢ₊₁) and the half-split pairs (xᵢ, xᵢ₊d/2) each rotate by pos·θᵢ; tfjs equals the reference for both, so swapping the pairing on one implementation fails',
    specs: ['spec/positional-encoding/positional-encoding.property.spec.ts', 'spec/differential/registry.spec.ts'],
    claims: ['course.pe.rope-relative-offset', 'course.pe.rope-preserves-norm'],
    whyNoClaim: 'the course says RoPE rotates each position in a latent plane, not which coordinates form a plane',
  },
  {
    property: 'KV cache: decoding one token at a time with the cache gives the full pass’s logits (reference and tfjs, on the PyTorch TinyGPT fixture), and a refused step leaks nothing',
    specs: ['spec/blocks/blocks.property.spec.ts'],
    claims: ['scratch.models.tiny-architecture', 'scratch.sampling.generate-crops-context'],
    whyNoClaim: 'no document describes a key/value cache; the tutorial’s generate() reruns the whole context',
  },
  {
    property: 'Fused WASM training kernels (attention, layer norm, GELU, column sums, dropout masks, AdamW) equal the composite tfjs ops in value and gradient, and their dropout masks are inverted-dropout masks',
    specs: ['spec/blocks/fused-kernels.spec.ts', 'spec/blocks/training-ops.spec.ts', 'spec/blocks/dropout-masks.spec.ts'],
    claims: ['course.training.adamw', 'scratch.training.table-3-1-reproduction', 'scratch.training.table-4-1-reproduction'],
    whyNoClaim: 'the documents train in PyTorch; the fused kernels are this project’s own speed-up of the same formulas',
  },
];
