/**
 * The TensorFlow.js implementation (float32): the same exported names as src/reference/, built
 * from tfjs-core ops, differentiable with tf.grads, every intermediate inside tf.tidy.
 * Call `initBackend()` (src/core/backend.ts) once before use.
 */
// tfjs-core's Node bundle defines no gradients (tf.grads fails with "gradient function not found");
// the union package registers all of them against the same, deduplicated tfjs-core instance.
import '@tensorflow/tfjs';
export { softmax } from './softmax.js';
export { causalMask } from './masks.js';
export { scaledDotProductAttention } from './scaled-dot-product-attention.js';
export { multiHeadAttention } from './multi-head-attention.js';
export { sinusoidalEncoding } from './sinusoidal-encoding.js';
export { rope } from './rope.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
export { linear, type TfLinearParams } from './linear.js';
export { layerNorm, layerNormSimplified, type TfLayerNormParams } from './layer-norm.js';
export { batchNorm } from './batch-norm.js';
export { relu, gelu, geluTanh, activation } from './activations.js';
export { feedForward, type TfFeedForwardParams } from './feed-forward.js';
export { dropout } from './dropout.js';
export { rmsNorm } from './rms-norm.js';
export { multiHeadModule, block, encoderLayer, decoderLayer } from './transformer-block.js';
export { tinyModel, crossEntropy, embeddingLookup } from './tiny-models.js';
export { createKvCache, tinyGptStep, tinyGptDecode, disposeKvCache } from './kv-cache.js';
