/**
 * The ε of each model family's normalisation layers, named, with the config field that sets it and
 * the default of the Hugging Face configuration class (transformers' configuration_<family>.py) or
 * of PyTorch. A released checkpoint's config.json may set another value; `normEpsFromConfig`
 * reads it and falls back to the class default.
 *
 *   family    norm        field                 default   note
 *   torch     LayerNorm   eps                   1e-5      nn.LayerNorm's default; this project's layerNorm default
 *   bert      LayerNorm   layer_norm_eps        1e-12     BertConfig
 *   gpt2      LayerNorm   layer_norm_epsilon    1e-5      GPT2Config
 *   t5        RMSNorm     layer_norm_epsilon    1e-6      T5Config (T5's "LayerNorm" is an RMSNorm)
 *   llama     RMSNorm     rms_norm_eps          1e-6      LlamaConfig; LLaMA-2 and TinyLlama checkpoints set 1e-5
 *   mistral   RMSNorm     rms_norm_eps          1e-6      MistralConfig; Mistral-7B-v0.1's config.json sets 1e-5
 *   qwen2     RMSNorm     rms_norm_eps          1e-6      Qwen2Config; Qwen2-0.5B's config.json sets 1e-6
 *   project   RMSNorm     —                     1e-6      this project's rmsNorm default (RMS_NORM_EPS)
 */
export interface NormEps {
  norm: 'layernorm' | 'rmsnorm';
  eps: number;
  /** The config.json field that sets it ('' for PyTorch's module argument). */
  field: string;
  source: string;
}

export const NORM_EPS = {
  torch: { norm: 'layernorm', eps: 1e-5, field: '', source: 'torch.nn.LayerNorm(eps=1e-05)' },
  bert: { norm: 'layernorm', eps: 1e-12, field: 'layer_norm_eps', source: 'transformers BertConfig' },
  gpt2: { norm: 'layernorm', eps: 1e-5, field: 'layer_norm_epsilon', source: 'transformers GPT2Config' },
  t5: { norm: 'rmsnorm', eps: 1e-6, field: 'layer_norm_epsilon', source: 'transformers T5Config' },
  llama: { norm: 'rmsnorm', eps: 1e-6, field: 'rms_norm_eps', source: 'transformers LlamaConfig (LLaMA-2, TinyLlama checkpoints: 1e-5)' },
  mistral: { norm: 'rmsnorm', eps: 1e-6, field: 'rms_norm_eps', source: 'transformers MistralConfig (Mistral-7B-v0.1 checkpoint: 1e-5)' },
  qwen2: { norm: 'rmsnorm', eps: 1e-6, field: 'rms_norm_eps', source: 'transformers Qwen2Config' },
} as const satisfies Record<string, NormEps>;

export type NormFamily = keyof typeof NORM_EPS;

/** The ε a config.json sets for its family, or the family's default when the field is absent. */
export function normEpsFromConfig(family: NormFamily, config: Record<string, unknown>): number {
  const e = NORM_EPS[family];
  const v = e.field ? config[e.field] : undefined;
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : e.eps;
}
