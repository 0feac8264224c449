/**
 * The TensorFlow.js implementation (float32): the same exported op names, with the same argument
 * names, as src/reference/index.ts (spec/registry/op-pairing.spec.ts checks it; the op registry,
 * src/ops/registry.ts, pairs them), built from tfjs-core ops, differentiable with tf.grads, every
 * intermediate inside tf.tidy. Call `initBackend()` (src/core/backend.ts) once before use.
 */
// tfjs-core's Node bundle defines no gradients (tf.grads fails with "gradient function not found");
// the union package registers all of them against the same, deduplicated tfjs-core instance.
import '@tensorflow/tfjs';
export { softmax } from './softmax.js';
export { causalMask } from './masks.js';
export { scaledDotProductAttention } from './scaled-dot-product-attention.js';
export { attention } from './attention.js';
export { multiHeadAttention } from './multi-head-attention.js';
export { tiledAttention } from './tiled-attention.js';
export { slidingWindowAttention, slidingWindowMask } from './sliding-window-attention.js';
export { sinusoidalEncoding } from './sinusoidal-encoding.js';
export { rope } from './rope.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
export { linear, type TfLinearParams } from './linear.js';
export { layerNorm, layerNormSimplified, type TfLayerNormParams } from './layer-norm.js';
export { rmsNorm } from './rms-norm.js';
export { batchNorm } from './batch-norm.js';
export { relu, gelu, geluTanh, silu, tanh, activation } from './activations.js';
export { feedForward, type TfFeedForwardParams } from './feed-forward.js';
export { gatedFeedForward, type TfGatedFeedForwardParams } from './gated-feed-forward.js';
export { dropout } from './dropout.js';
export { multiHeadModule, block, encoderLayer, decoderLayer } from './transformer-block.js';
export { crossEntropy } from './tiny-models.js';
export { tinyModel, embeddingLookup } from './tiny-models.js';
export { createKvCache, tinyGptStep, tinyGptDecode, disposeKvCache } from './kv-cache.js';
export { tinyLlama, tinyLlamaDecode, type TfTinyLlamaParams } from './tiny-llama.js';
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
