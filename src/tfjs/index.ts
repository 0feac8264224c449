/**
 * The TensorFlow.js implementation (float32): the same exported names as src/reference/, built
 * from tfjs-core ops, differentiable with tf.grads, every intermediate inside tf.tidy.
 * Call `initBackend()` (src/core/backend.ts) once before use.
 */
export { softmax } from './softmax.js';
export { causalMask } from './masks.js';
export { scaledDotProductAttention } from './scaled-dot-product-attention.js';
export { multiHeadAttention } from './multi-head-attention.js';
export { sinusoidalEncoding } from './sinusoidal-encoding.js';
export { rope } from './rope.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
