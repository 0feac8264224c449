/**
 * Initial weights for TinyGPT / TinyBERT, drawn as PyTorch's default initialisation draws them
 * (distributions, not PyTorch's random stream), from a seeded generator:
 *
 *   nn.Embedding  weight ~ N(0, 1)
 *   nn.Linear     weight, bias ~ U(−1/√fan_in, 1/√fan_in)   (kaiming_uniform with a = √5 gives
 *                                                           bound √(1/3)·√(3/fan_in) = 1/√fan_in)
 *   nn.LayerNorm  weight = 1, bias = 0
 *   tril buffers  torch.tril(torch.ones(T, T))
 *
 * Returned in the same form as weights read from a safetensors file (LoadedTinyWeights), so the
 * tfjs and reference parameter builders of src/ops/tiny-weights.ts apply unchanged.
 */
import type { Rng } from '../core/random.js';
import { tinyStateDictLayout, type TinyConfig, type TinyKind } from '../core/tiny-config.js';
import type { LoadedTensor, LoadedTinyWeights } from '../ops/tiny-weights.js';

export function initTinyWeights(kind: TinyKind, config: TinyConfig, rng: Rng, source = 'initialisation'): LoadedTinyWeights {
  const layout = tinyStateDictLayout(kind, config);
  const tensors = new Map<string, LoadedTensor>();
  // Fan-in of each Linear by module prefix: weight shape is (out × in).
  const fanIn = new Map<string, number>();
  for (const [name, e] of layout) if (name.endsWith('.weight') && e.shape.length === 2) fanIn.set(name.slice(0, -'.weight'.length), e.shape[1]);
  for (const [name, e] of layout) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const module = name.slice(0, name.lastIndexOf('.'));
    if (e.buffer) {
      const T = e.shape[0];
      for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) values[i * T + j] = 1;
    } else if (module === 'token_embed' || module === 'pos_embed') {
      for (let i = 0; i < n; i++) values[i] = rng.normal();
    } else if (/(^|\.)ln(1|2|_f)$/.test(module)) {
      if (name.endsWith('.weight')) values.fill(1);
    } else {
      const bound = 1 / Math.sqrt(fanIn.get(module)!);
      for (let i = 0; i < n; i++) values[i] = rng.uniform(-bound, bound);
    }
    tensors.set(name, { shape: [...e.shape], values });
  }
  return { names: [...layout.keys()], tensors, layout: 'state_dict', source };
}
