/**
 * The float64 reference implementation: the documents' formulas, written literally.
 * `src/reference/high-precision.ts` exports the same op names evaluated with 64-digit BigNumbers,
 * and `src/tfjs/index.ts` the same op names with the same argument names in TensorFlow.js; the
 * op registry (src/ops/registry.ts) pairs them, and spec/registry/op-pairing.spec.ts fails when
 * the two indexes drift apart (except where the registry records why).
 */
export { float64, bignumber, type Field } from './field.js';
export { matMul, add, transpose } from './linear-algebra.js';
export { softmax } from './softmax.js';
export { causalMask } from './masks.js';
export { scaledDotProductAttention, type AttentionOptions, type AttentionSteps } from './scaled-dot-product-attention.js';
export { attention, type GeneralAttentionOptions, type GeneralAttentionSteps, type CausalAlignment } from './attention.js';
export { multiHeadAttention, type MultiHeadParams, type MultiHeadOptions, type MultiHeadResult } from './multi-head-attention.js';
export { tiledAttention } from './tiled-attention.js';
export { slidingWindowAttention, slidingWindowMask } from './sliding-window-attention.js';
export { sinusoidalEncoding } from './sinusoidal-encoding.js';
export { rope, type RopeOptions, type RopePairing } from './rope.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
export { glorotUniform } from './initialisation.js';
export { finiteDifferenceGradient } from './finite-difference.js';
export { linear } from './linear.js';
export { layerNorm, layerNormSimplified } from './layer-norm.js';
export { rmsNorm } from './rms-norm.js';
export { batchNorm } from './batch-norm.js';
export { relu, gelu, geluTanh, silu, tanh, activation, type Activation } from './activations.js';
export { feedForward } from './feed-forward.js';
export { gatedFeedForward, type GatedActivation, type GatedFeedForwardParams } from './gated-feed-forward.js';
export { dropout } from './dropout.js';
export { multiHeadModule, block, encoderLayer, decoderLayer } from './transformer-block.js';
export { crossEntropy } from './cross-entropy.js';
export { tinyModel, embeddingLookup } from './tiny-models.js';
export { createKvCache, tinyGptStep, tinyGptDecode, disposeKvCache } from './kv-cache.js';
export { tinyLlama, tinyLlamaDecode, type TinyLlamaParams } from './tiny-llama.js';
export { loraLinear, loraDelta, mergeLora, unmergeLora, deltaAbt, deltaBa } from './lora.js';
export { adapter } from './adapter.js';
export { prependPrompt, promptFromTokens } from './prompt-tuning.js';
export { prefixAttention } from './prefix-tuning.js';
export { peftTinyGpt, mergeLoraIntoTinyGpt } from './peft-tiny-gpt.js';
export { rankingLoss, ppoClipObjective, klDivergence, dpoLoss } from './alignment.js';
export { responseLoss, perplexity, bitsPerCharacter, accuracy, perplexityFromLoss, bitsPerCharacterFromLoss } from './metrics.js';
export { filterLogits, samplingDistribution } from './sampling.js';
export { clipGradNorm } from './grad-clip.js';
export { createAdamW } from './adamw.js';
// new-layer: exports are inserted above this line (keep it)
