/**
 * The high-precision oracle: the reference formulas evaluated with mathjs BigNumber at
 * HIGH_PRECISION_DIGITS (64) significant digits. The same op names and arguments as the float64
 * reference (src/reference/index.ts) and the tfjs implementation; scalars are BigNumbers. Each is
 * the reference's generic `…With(F, …)` at F = bignumber; ops that do no arithmetic (masks,
 * gathers, concatenations) are the reference's own generic functions, which move BigNumbers as
 * they are. The op registry (src/ops/registry.ts) names each of these as its row's BigNumber
 * variant, or says why an op has none.
 */
import type { BigNumber } from 'mathjs';
import type { TinyConfig, TinyKind } from '../core/tiny-config.js';
import type { Matrix } from '../core/shape.js';
import { applyActivationWith, type Activation } from './activations.js';
import { attentionWith, type AttentionWithPresent, type GeneralAttentionOptions, type GeneralAttentionSteps, type Nested } from './attention.js';
import { adapterWith, type AdapterParams } from './adapter.js';
import { dpoLossWith, klDivergenceWith, ppoClipObjectiveWith, rankingLossWith, type PreferenceLogProbs } from './alignment.js';
import { batchNormWith } from './batch-norm.js';
import { crossEntropyWith } from './cross-entropy.js';
import { feedForwardWith, type FeedForwardParams } from './feed-forward.js';
import { gatedFeedForwardWith, type GatedActivation, type GatedFeedForwardParams } from './gated-feed-forward.js';
import { bignumber } from './field.js';
import { tinyGptDecodeWith, tinyGptStepWith, type KvCache } from './kv-cache.js';
import { layerNormWith, type LayerNormParams } from './layer-norm.js';
import { linearWith, type LinearParams } from './linear.js';
import { addWith, matMulWith } from './linear-algebra.js';
import { deltaAbtWith, deltaBaWith, loraDeltaWith, loraLinearWith, mergeLoraWith, unmergeLoraWith, type LoraDropoutOptions, type LoraFactors, type LoraOptions, type LoraParams } from './lora.js';
import { accuracyWith, bitsPerCharacterFromLossWith, bitsPerCharacterWith, perplexityFromLossWith, perplexityWith, responseLossWith, type Reduction } from './metrics.js';
import { multiHeadAttentionWith, type MultiHeadOptions, type MultiHeadParams } from './multi-head-attention.js';
import { mergeLoraIntoTinyGptWith, peftTinyGptWith, type PeftTinyGptParams } from './peft-tiny-gpt.js';
import { prefixAttentionWith } from './prefix-tuning.js';
import { rmsNormWith, type RmsNormParams } from './rms-norm.js';
import { ropeWith, type RopeOptions } from './rope.js';
import { scaledDotProductAttentionWith, type AttentionOptions, type AttentionSteps, type OutputOnly, type WithSteps } from './scaled-dot-product-attention.js';
import { sinusoidalEncodingWith, type PositionalEncodingOptions } from './sinusoidal-encoding.js';
import { slidingWindowAttentionWith, type SlidingWindowOptions } from './sliding-window-attention.js';
import { softmaxWith, type SoftmaxAxis } from './softmax.js';
import { tiledAttentionWith, type TiledAttentionOptions } from './tiled-attention.js';
import { tinyModelWith, type TinyModelParams } from './tiny-models.js';
import { tinyLlamaDecodeWith, tinyLlamaWith, type TinyLlamaParams } from './tiny-llama.js';
import type { TinyLlamaConfig } from '../core/llama-config.js';
import { blockWith, decoderLayerWith, encoderLayerWith, multiHeadModuleWith, type BlockParams, type DecoderLayerParams, type EncoderLayerParams, type MultiHeadModuleParams } from './transformer-block.js';

export type Big = BigNumber;
type M = Matrix<Big>;
const B = bignumber;

export const toBig = (m: number[][]): M => m.map((r) => r.map((x) => B.from(x)));
export const toNumbers = (m: M): number[][] => m.map((r) => r.map((x) => x.toNumber()));

// ops without arithmetic: the reference's generic functions carry BigNumbers unchanged
export { causalMask } from './masks.js';
export { slidingWindowMask } from './sliding-window-attention.js';
export { learnedPositionalEmbedding } from './learned-positional-embedding.js';
export { embeddingLookup } from './tiny-models.js';
export { prependPrompt, promptFromTokens } from './prompt-tuning.js';
export { transpose } from './linear-algebra.js';

export const matMul = (a: M, b: M) => matMulWith(B, a, b);
export const add = (a: M, b: M) => addWith(B, a, b);
export const softmax = (x: M, axis: SoftmaxAxis = -1) => softmaxWith(B, x, axis);
export function scaledDotProductAttention(q: M, k: M, v: M, options: WithSteps<AttentionOptions>): AttentionSteps<M>;
export function scaledDotProductAttention(q: M, k: M, v: M, options?: OutputOnly<AttentionOptions>): M;
export function scaledDotProductAttention(q: M, k: M, v: M, options?: AttentionOptions): AttentionSteps<M> | M;
export function scaledDotProductAttention(q: M, k: M, v: M, options?: AttentionOptions): AttentionSteps<M> | M {
  return scaledDotProductAttentionWith(B, q, k, v, options);
}
export function attention(q: Nested<Big>, k: Nested<Big>, v: Nested<Big>, options: GeneralAttentionOptions & { steps: true }): GeneralAttentionSteps<Nested<Big>>;
export function attention(q: Nested<Big>, k: Nested<Big>, v: Nested<Big>, options: GeneralAttentionOptions & { present: true; steps?: false }): AttentionWithPresent<Nested<Big>>;
export function attention(q: Nested<Big>, k: Nested<Big>, v: Nested<Big>, options?: GeneralAttentionOptions): Nested<Big>;
export function attention(q: Nested<Big>, k: Nested<Big>, v: Nested<Big>, options?: GeneralAttentionOptions): Nested<Big> | GeneralAttentionSteps<Nested<Big>> | AttentionWithPresent<Nested<Big>> {
  return attentionWith(B, q, k, v, options);
}
export const multiHeadAttention = (xQ: M, xKV: M, params: MultiHeadParams<Big>, options: MultiHeadOptions) => multiHeadAttentionWith(B, xQ, xKV, params, options);
export const tiledAttention = (q: M, k: M, v: M, options?: TiledAttentionOptions) => tiledAttentionWith(B, q, k, v, options);
export const slidingWindowAttention = (q: M, k: M, v: M, options: SlidingWindowOptions) => slidingWindowAttentionWith(B, q, k, v, options);
export const sinusoidalEncoding = (positions: number | readonly number[], dModel: number, options?: PositionalEncodingOptions) => sinusoidalEncodingWith(B, positions, dModel, options);
export const rope = (x: M, options?: RopeOptions) => ropeWith(B, x, options);
export const linear = (x: M, p: LinearParams<Big>, name = 'linear') => linearWith(B, x, p, name);
export const layerNorm = (x: M, p: LayerNormParams<Big> | null, eps = 1e-5, name = 'layerNorm', normalizedDims = 1) => layerNormWith(B, x, p, eps, name, normalizedDims);
export const rmsNorm = (x: M, p: RmsNormParams<Big>, eps?: number, name = 'rmsNorm', normalizedDims = 1) => rmsNormWith(B, x, p, eps, name, normalizedDims);
export const batchNorm = (x: M, p: LayerNormParams<Big> | null, eps = 1e-5) => batchNormWith(B, x, p, eps);
export const activation = (x: M, kind: Activation) => applyActivationWith(B, x, kind);
export const relu = (x: M) => applyActivationWith(B, x, 'relu');
export const gelu = (x: M) => applyActivationWith(B, x, 'gelu');
export const geluTanh = (x: M) => applyActivationWith(B, x, 'gelu-tanh');
export const silu = (x: M) => applyActivationWith(B, x, 'silu');
export const tanh = (x: M) => applyActivationWith(B, x, 'tanh');
export const feedForward = (x: M, p: FeedForwardParams<Big>, activation: Activation, name = 'ff') => feedForwardWith(B, x, p, activation, name);
export const gatedFeedForward = (x: M, p: GatedFeedForwardParams<Big>, activation: GatedActivation, name = 'mlp') => gatedFeedForwardWith(B, x, p, activation, name);
export const multiHeadModule = (x: M, p: MultiHeadModuleParams<Big>, options?: { causal?: boolean; memory?: M }) => multiHeadModuleWith(B, x, p, options);
export const block = (x: M, p: BlockParams<Big>, options?: { causal?: boolean; activation?: Activation }) => blockWith(B, x, p, options);
export const encoderLayer = (x: M, p: EncoderLayerParams<Big>, activation?: Activation) => encoderLayerWith(B, x, p, activation);
export const decoderLayer = (x: M, memory: M, p: DecoderLayerParams<Big>, activation?: Activation) => decoderLayerWith(B, x, memory, p, activation);
export const crossEntropy = (logits: M, targets: readonly number[], ignoreIndex = -100) => crossEntropyWith(B, logits, targets, ignoreIndex);
export const tinyModel = (kind: TinyKind, config: TinyConfig, params: TinyModelParams<Big>, idx: number[][], targets?: number[][]) => tinyModelWith(B, kind, config, params, idx, targets);
export const tinyGptStep = (config: TinyConfig, params: TinyModelParams<Big>, cache: KvCache<Big>, tokens: readonly number[], position: number) => tinyGptStepWith(B, config, params, cache, tokens, position);
export const tinyGptDecode = (config: TinyConfig, params: TinyModelParams<Big>, idx: readonly (readonly number[])[]) => tinyGptDecodeWith(B, config, params, idx);
export const loraLinear = (x: M, p: LoraParams<Big>, o: LoraOptions & LoraDropoutOptions, name = 'lora') => loraLinearWith(B, x, p, o, name);
export const loraDelta = (f: LoraFactors<Big>, o: LoraOptions) => loraDeltaWith(B, f, o);
export const mergeLora = (p: LoraParams<Big>, o: LoraOptions) => mergeLoraWith(B, p, o);
export const unmergeLora = (merged: LinearParams<Big>, f: LoraFactors<Big>, o: LoraOptions) => unmergeLoraWith(B, merged, f, o);
export const deltaAbt = (A: M, Bm: M) => deltaAbtWith(B, { A, B: Bm });
export const deltaBa = (f: LoraFactors<Big>) => deltaBaWith(B, f);
export const adapter = (h: M, p: AdapterParams<Big>, activation?: Activation, name = 'adapter') => adapterWith(B, h, p, activation, name);
export const prefixAttention = (q: M[], k: M[], v: M[], prefixKeys: M, prefixValues: M) => prefixAttentionWith(B, q, k, v, prefixKeys, prefixValues);
export const peftTinyGpt = (config: TinyConfig, base: TinyModelParams<Big>, peft: PeftTinyGptParams<Big>, idx: number[][], targets?: number[][]) => peftTinyGptWith(B, config, base, peft, idx, targets);
export const mergeLoraIntoTinyGpt = (base: TinyModelParams<Big>, lora: NonNullable<PeftTinyGptParams<Big>['lora']>) => mergeLoraIntoTinyGptWith(B, base, lora);
export const rankingLoss = (rewardsBestFirst: readonly Big[]) => rankingLossWith(B, rewardsBestFirst);
export const ppoClipObjective = (ratio: Big, advantage: Big, epsilon?: number) => ppoClipObjectiveWith(B, ratio, advantage, epsilon);
export const klDivergence = (p: readonly Big[], q: readonly Big[]) => klDivergenceWith(B, p, q);
export const dpoLoss = (lp: PreferenceLogProbs<Big>, beta: number) => dpoLossWith(B, lp, beta);
export const responseLoss = (logits: M, targets: readonly number[], responseMask: readonly boolean[], reduction: Reduction = 'mean') => responseLossWith(B, logits, targets, responseMask, reduction);
export const perplexity = (logits: M, targets: readonly number[], ignoreIndex?: number) => perplexityWith(B, logits, targets, ignoreIndex);
export const bitsPerCharacter = (logits: M, targets: readonly number[], ignoreIndex?: number) => bitsPerCharacterWith(B, logits, targets, ignoreIndex);
export const accuracy = (logits: M, targets: readonly number[], ignoreIndex?: number) => accuracyWith(B, logits, targets, ignoreIndex);
export const perplexityFromLoss = (ce: Big) => perplexityFromLossWith(B, ce);
export const bitsPerCharacterFromLoss = (ce: Big) => bitsPerCharacterFromLossWith(B, ce);
// new-layer: exports are inserted above this line (keep it)
export const tinyLlama = (config: TinyLlamaConfig, params: TinyLlamaParams<Big>, idx: number[][], targets?: number[][]) => tinyLlamaWith(B, config, params, idx, targets);
export const tinyLlamaDecode = (config: TinyLlamaConfig, params: TinyLlamaParams<Big>, tokens: number[]) => tinyLlamaDecodeWith(B, config, params, tokens);
