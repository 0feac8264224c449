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
  /** Key/value heads under grouped-query attention (llama, qwen2); absent = one per query head. */
  nKvHeads?: number;
  /** Width of one head (config.json head_dim); absent = dModel / nHeads. llama/qwen2 only. */
  headDim?: number;
  /** Biases on q, k, v and o (LlamaConfig attention_bias); Qwen2 has q/k/v biases regardless. */
  attentionBias?: boolean;
  /** Biases on gate, up and down (LlamaConfig mlp_bias). */
  mlpBias?: boolean;
  /** Output head tied to the token embedding (tie_word_embeddings); absent: llama untied, qwen2 tied (the registry's Qwen2.5-0.5B). */
  tied?: boolean;
}

/** The sizes of a llama-like attention and its biases: head width, query and key/value widths. */
export function llamaShapes(c: ModelConfig): { headDim: number; dQ: number; dKv: number; qkvBias: boolean; oBias: boolean; mlpBias: boolean; tied: boolean } {
  const headDim = c.headDim ?? c.dModel / c.nHeads;
  return {
    headDim,
    dQ: c.nHeads * headDim,
    dKv: (c.nKvHeads ?? c.nHeads) * headDim,
    qkvBias: c.family === 'qwen2' || c.attentionBias === true,
    oBias: c.attentionBias === true,
    mlpBias: c.mlpBias === true,
    tied: c.tied ?? c.family === 'qwen2',
  };
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
  if (c.family === 'qwen2' || c.family === 'llama') {
    // attention q (d → n_heads·head_dim), k, v (d → d_kv = kv heads × head_dim), o back to d; biases on
    // q/k/v for Qwen2 (and all four with attention_bias); SwiGLU gate, up, down (biases with mlp_bias);
    // two RMSNorm weight vectors per block, a final one; the output head unless tied to the embedding
    const s = llamaShapes(c);
    const [dQ, dKv] = [BigInt(s.dQ), BigInt(s.dKv)];
    const block = linear(d, dQ, s.qkvBias) + 2n * linear(d, dKv, s.qkvBias) + linear(dQ, d, s.oBias) + 2n * linear(d, f, s.mlpBias) + linear(f, d, s.mlpBias) + 2n * d;
    return V * d + L * block + d + (s.tied ? 0n : V * d);
  }
  // attention q,k,v,o with biases; FFN up and down with biases; two LayerNorms (γ, β)
  const block = 4n * linear(d, d) + linear(d, f) + linear(f, d) + 2n * 2n * d;
  if (c.family === 'gpt2') return V * d + T * d + L * block + 2n * d; // token + position embeddings, blocks, ln_f (head tied)
  // bert: token + position + segment embeddings and their LayerNorm, blocks, pooler
  return V * d + T * d + 2n * d + 2n * d + L * block + linear(d, d);
}
