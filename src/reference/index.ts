/**
 * The float64 reference implementation: the documents' formulas, written literally.
 * `src/reference/high-precision.ts` exports the same names evaluated with 64-digit BigNumbers.
 */
export { float64, bignumber, type Field } from './field.js';
export { matMul, add, transpose } from './linear-algebra.js';
export { softmax } from './softmax.js';
export { causalMask } from './masks.js';
export { scaledDotProductAttention, type AttentionOptions, type AttentionSteps } from './scaled-dot-product-attention.js';
export { multiHeadAttention, type MultiHeadParams, type MultiHeadOptions, type MultiHeadResult } from './multi-head-attention.js';
export { sinusoidalEncoding } from './sinusoidal-encoding.js';
export { rope, type RopeOptions, type RopePairing } from './rope.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
export { glorotUniform } from './initialisation.js';
export { finiteDifferenceGradient } from './finite-difference.js';
export { linear } from './linear.js';
export { layerNorm, layerNormSimplified } from './layer-norm.js';
export { rmsNorm } from './rms-norm.js';
export { batchNorm } from './batch-norm.js';
export { relu, gelu, geluTanh, activation, type Activation } from './activations.js';
export { feedForward } from './feed-forward.js';
export { dropout } from './dropout.js';
export { multiHeadModule, block, encoderLayer, decoderLayer } from './transformer-block.js';
export { crossEntropy } from './cross-entropy.js';
export { tinyModel } from './tiny-models.js';
export { createKvCache, tinyGptStep, tinyGptDecode } from './kv-cache.js';
