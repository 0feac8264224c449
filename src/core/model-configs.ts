/**
 * Published configurations of the models the documents name, with the parameter count each
 * architecture implies. Used to check the interview deck's d_model table against the real models:
 * a d_model is confirmed when the configuration containing it reproduces the model's published
 * parameter total exactly (or, for GPT-3, at the precision the paper states: "175B").
 *
 * Sources: BERT (Devlin et al. 2019, BERT-Base: L=12, H=768, A=12; 30522-token vocabulary);
 * GPT-2 (Radford et al. 2019, small: 12 layers, 768 wide, 50257 tokens, 1024 positions);
 * GPT-3 (Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96 heads, context 2048);
 * LLaMA (Touvron et al. 2023, Table 2: 7B: dim 4096, 32 heads, 32 layers; SwiGLU hidden 11008,
 * 32000-token vocabulary, untied output head);
 * Qwen2.5-0.5B (Qwen team 2024, Qwen2.5 technical report and the released config.json: 24 layers,
 * width 896, 14 query heads sharing 2 key/value heads, SwiGLU hidden 4864, 151936-token
 * vocabulary, biases on the q/k/v projections only, output head tied to the token embedding).
 * Parameter formulas are written out per block below; exact integers, no floats.
 */
export interface ModelConfig {
  name: string;
  family: 'bert' | 'gpt2' | 'llama' | 'qwen2';
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  vocab: number;
  context: number;
  /** Published total, as the source states it. */
  published: string;
  /** Key/value heads under grouped-query attention (qwen2 only); absent = one per query head. */
  nKvHeads?: number;
}

export const MODEL_CONFIGS: Record<string, ModelConfig> = {
  'bert-base': { name: 'BERT-Base', family: 'bert', dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, vocab: 30522, context: 512, published: '110M (109,482,240 in the reference checkpoint)' },
  gpt2: { name: 'GPT-2 small', family: 'gpt2', dModel: 768, nLayers: 12, nHeads: 12, dFF: 3072, vocab: 50257, context: 1024, published: '124M (124,439,808 in the released checkpoint)' },
  gpt3: { name: 'GPT-3 175B', family: 'gpt2', dModel: 12288, nLayers: 96, nHeads: 96, dFF: 49152, vocab: 50257, context: 2048, published: '175.0B' },
  'llama-7b': { name: 'LLaMA 7B', family: 'llama', dModel: 4096, nLayers: 32, nHeads: 32, dFF: 11008, vocab: 32000, context: 2048, published: '6.7B (6,738,415,616 in the released checkpoint)' },
  'qwen2.5-0.5b': { name: 'Qwen2.5-0.5B(-Instruct)', family: 'qwen2', dModel: 896, nLayers: 24, nHeads: 14, nKvHeads: 2, dFF: 4864, vocab: 151936, context: 32768, published: '0.49B (494,032,768 in the released checkpoint)' },
};

/** Total parameters implied by a configuration (weights + biases + norm parameters). */
export function parameterCount(c: ModelConfig): bigint {
  const [d, f, V, T, L] = [c.dModel, c.dFF, c.vocab, c.context, c.nLayers].map(BigInt);
  const linear = (i: bigint, o: bigint, bias = true) => i * o + (bias ? o : 0n);
  if (c.family === 'qwen2') {
    // q (d → d) with bias; k, v (d → d_kv, d_kv = kv heads × head size) with biases; o without;
    // SwiGLU gate, up, down; two RMSNorm weight vectors. Output head tied to the embedding.
    const dKv = BigInt((c.nKvHeads ?? c.nHeads) * (c.dModel / c.nHeads));
    const block = linear(d, d) + 2n * linear(d, dKv) + linear(d, d, false) + 3n * linear(d, f, false) + 2n * d;
    return V * d + L * block + d;
  }
  if (c.family === 'llama') {
    // attention q,k,v,o without biases; SwiGLU gate, up, down; two RMSNorm weight vectors
    const block = 4n * linear(d, d, false) + 3n * linear(d, f, false) + 2n * d;
    return V * d + L * block + d + V * d; // embeddings, blocks, final norm, untied output head
  }
  // attention q,k,v,o with biases; FFN up and down with biases; two LayerNorms (γ, β)
  const block = 4n * linear(d, d) + linear(d, f) + linear(f, d) + 2n * 2n * d;
  if (c.family === 'gpt2') return V * d + T * d + L * block + 2n * d; // token + position embeddings, blocks, ln_f (head tied)
  // bert: token + position + segment embeddings and their LayerNorm, blocks, pooler
  return V * d + T * d + 2n * d + 2n * d + L * block + linear(d, d);
}
