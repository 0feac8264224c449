/**
 * Invariants of the Transformer's building blocks, as properties over random inputs and
 * parameters (fast-check via checkProperty; parameters drawn from a seeded generator):
 *
 *   LN(x)_t = (x_t − μ_t)/√(σ_t² + ε)          mean 0, variance σ²/(σ²+ε) per token; no other token enters
 *   BN(x)_b = (x_b − μ)/√(σ² + ε), μ, σ over the batch      one sample's output depends on the others
 *   FFN(P X) = P · FFN(X)                       position-wise: row t depends on row t only
 *   pre-LN:  x + 0 + 0 = x;   post-LN: LN₂(LN₁(x + 0) + 0) ≠ x       (sub-layers zeroed)
 *   decoder: causal in its own inputs, bidirectional in the memory; encoder: bidirectional
 *   KV cache: step-by-step logits = the full causal pass's logits
 *   dropout: identity in eval; seeded, ≈ p zeroed and mean kept (×1/(1−p)) in training
 *
 * Shapes: x (T × C) per sequence for the reference, (B × T × C) for tfjs; FFN hidden 4C; heads
 * hs = C/H. Values stay within the tolerance policy's ranges (|x| ≤ 4, n ≤ 12, d ≤ 32).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RangeArgumentError } from '../../src/core/errors.js';
import { seededRng } from '../../src/core/random.js';
import { tinyStateDictLayout, validateTinyConfig, type TinyConfig } from '../../src/core/tiny-config.js';
import { compareNested, EXACT, PYTORCH_PARITY, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { dropout } from '../../src/reference/dropout.js';
import { feedForward, type FeedForwardParams } from '../../src/reference/feed-forward.js';
import { createKvCache, tinyGptDecode, tinyGptStep } from '../../src/reference/kv-cache.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { tinyModel, type TinyModelParams } from '../../src/reference/tiny-models.js';
import { block, decoderLayer, encoderLayer, type BlockParams, type DecoderLayerParams, type EncoderLayerParams } from '../../src/reference/transformer-block.js';
import '../../src/tfjs/index.js';
import * as TK from '../../src/tfjs/kv-cache.js';
import * as L from '../../src/tfjs/index.js';
import { tinyModel as tfTinyModel, type TfTinyModelParams } from '../../src/tfjs/tiny-models.js';
import * as TB from '../../src/tfjs/transformer-block.js';
import { type Matrix, type Value } from '../_helpers/arbitraries.js';
import { loadFixture, nested, referenceParams } from '../_helpers/fixtures.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { blockLayout, decoderLayout, encoderLayout, ffLayout, range, seededParams, seqOf, tfArray, tfTree, type Layout, type Params } from '../_helpers/seeded-params.js';
import { backendReport } from '../_helpers/setup.js';

/** A layer's dimensions: C = H·hs ≤ 12. */
const dims = fc.record({ H: fc.integer({ min: 1, max: 3 }), hs: fc.integer({ min: 1, max: 4 }), T: fc.integer({ min: 2, max: 6 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
type Dims = Value<typeof dims>;


// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

describe('the feed-forward network is position-wise', () => {
  const args = fc.record({
    T: fc.integer({ min: 1, max: 8 }),
    C: fc.integer({ min: 1, max: 8 }),
    activation: fc.constantFrom('relu' as const, 'gelu' as const, 'gelu-tanh' as const),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  const setup = ({ T, C, seed }: Value<typeof args>) => {
    const rng = seededRng(seed);
    const params = seededParams(ffLayout('ff', C), rng);
    const p = referenceParams(params).ff as FeedForwardParams<number>;
    const x = seqOf(rng, T, C); // (T × C)
    const perm = range(T).map((t) => ({ t, k: rng.next() })).sort((a, b) => a.k - b.k).map((e) => e.t);
    return { rng, params, p, x, perm };
  };

  it('permuting the tokens permutes the outputs: FFN(P X) = P · FFN(X), bit for bit (reference and tfjs)', () => {
    checkProperty<[Value<typeof args>]>('FFN commutes with permutations', args, (a) => {
      const { params, p, x, perm } = setup(a);
      const permute = (m: Matrix) => perm.map((t) => m[t]); // (P m)_i = m_{perm[i]}
      expect(feedForward(permute(x), p, a.activation)).toEqual(permute(feedForward(x, p, a.activation)));
      const { tree, dispose } = tfTree<{ ff: L.TfFeedForwardParams }>(params);
      const run = (m: Matrix) => tfArray<Matrix>(() => L.feedForward(tf.tensor2d(m), tree.ff, a.activation)); // (T × C)
      expect(run(permute(x))).toEqual(permute(run(x)));
      dispose();
    });
  });

  it('each output row depends only on its own input row: replacing every other row leaves it bit-identical (reference and tfjs)', () => {
    checkProperty<[Value<typeof args>]>('FFN row t sees row t only', args, (a) => {
      const { rng, params, p, x } = setup(a);
      const t0 = rng.int(0, a.T);
      const other = seqOf(rng, a.T, a.C).map((r, t) => (t === t0 ? x[t0] : r)); // (T × C): only row t0 kept
      expect(feedForward(other, p, a.activation)[t0]).toEqual(feedForward(x, p, a.activation)[t0]);
      expect(feedForward([x[t0]], p, a.activation)[0]).toEqual(feedForward(x, p, a.activation)[t0]); // alone, too
      const { tree, dispose } = tfTree<{ ff: L.TfFeedForwardParams }>(params);
      const run = (m: Matrix) => tfArray<Matrix>(() => L.feedForward(tf.tensor2d(m), tree.ff, a.activation))[t0];
      expect(run(other)).toEqual(run(x));
      dispose();
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('pre-LN vs post-LN with the sub-layers switched off', () => {
  /** mh.proj and ff.net.2 (weights and biases) set to zero: both sub-layers output exactly 0. */
  const zeroed = (params: Params): Params =>
    new Map([...params].map(([n, t]) => [n, /(mh|self_attn)\.proj\.|ff\.net\.2\./.test(n) ? { ...t, values: t.values.map(() => 0) } : t]));
  const asEncoder = (params: Params): Params => new Map([...params].map(([n, t]) => [n.replace(/^mh\./, 'self_attn.'), t]));

  it('a pre-LN block whose sub-layers output zero is the identity (x + 0 + 0 = x), while the post-LN encoder layer with the same zeroed sub-layers returns LN₂(LN₁(x)), not x', () => {
    checkProperty<[Dims, boolean]>('zeroed sub-layers: pre-LN identity, post-LN normalises', dims, fc.boolean(), ({ H, hs, T, seed }, causal) => {
      const C = H * hs;
      const rng = seededRng(seed);
      const pre = zeroed(seededParams(blockLayout(C, H), rng));
      const post = asEncoder(pre); // the same weights under the encoder layer's names
      const x = seqOf(rng, T, C); // (T × C)
      const bp = referenceParams(pre) as unknown as BlockParams<number>;
      const ep = referenceParams(post) as unknown as EncoderLayerParams<number>;

      expect(block(x, bp, { causal })).toEqual(x); // exactly x: adding +0 changes no float
      const encoded = encoderLayer(x, ep, 'gelu');
      expect(encoded).toEqual(layerNorm(layerNorm(x, ep.ln1), ep.ln2)); // LN₂(LN₁(x + 0) + 0), the same ops
      // …which is not x: even the loosest bound of the policy tells them apart
      expect(compareNested(encoded, x, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);

      const tpre = tfTree<TB.TfBlockParams>(pre);
      const tpost = tfTree<TB.TfEncoderLayerParams>(post);
      const xt = [x]; // (1 × T × C)
      expect(tfArray<Matrix[]>(() => TB.block(tf.tensor3d(xt), tpre.tree, { causal }))).toEqual(xt);
      const tEncoded = tfArray<Matrix[]>(() => TB.encoderLayer(tf.tensor3d(xt), tpost.tree, 'gelu'))[0];
      const c = compareNested(tEncoded, encoded, TFJS_VS_REFERENCE.default); // two float32 LayerNorms
      expect(c.ok, c.message).toBe(true);
      expect(compareNested(tEncoded, x, TFJS_VS_REFERENCE.multiHeadAttention).ok).toBe(false);
      tpre.dispose();
      tpost.dispose();
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('what the post-LN layers attend to', () => {
  // C ≥ 3: a post-LN output is a normalised row, and for C = 1 that row is the constant β, for
  // C = 2 it is ±(1, −1) up to ε, so those layers can hardly see their inputs at all.
  const wide = dims.filter(({ H, hs }) => H * hs >= 3);
  const layerCase = fc.record({ d: wide, tEnc: fc.integer({ min: 1, max: 6 }), pick: fc.nat(), pick2: fc.nat() });
  const setup = ({ d: { H, hs, T, seed }, tEnc }: Value<typeof layerCase>, layout: (C: number, H: number) => Layout) => {
    const C = H * hs;
    const rng = seededRng(seed);
    const params = seededParams(layout(C, H), rng);
    return { C, rng, params, x: seqOf(rng, T, C), memory: seqOf(rng, tEnc, C) };
  };

  it('the decoder layer is causal: its output at position t is bit-identical when decoder inputs after t change (reference and tfjs)', () => {
    checkProperty<[Value<typeof layerCase>]>('decoder output at t ignores inputs after t', layerCase, (a) => {
      const { C, rng, params, x, memory } = setup(a, decoderLayout);
      const T = x.length;
      const t = a.pick % (T - 1); // a position with a future (T ≥ 2)
      const future = seqOf(rng, T, C).map((r, s) => (s <= t ? x[s] : r)); // rows > t replaced
      const p = referenceParams(params) as unknown as DecoderLayerParams<number>;
      const [y, yf] = [decoderLayer(x, memory, p), decoderLayer(future, memory, p)];
      expect(yf.slice(0, t + 1)).toEqual(y.slice(0, t + 1)); // masked keys get weight exactly 0
      expect(compareNested(yf.slice(t + 1), y.slice(t + 1), EXACT.reference).ok, 'the change was not seen at all').toBe(false);
      const { tree, dispose } = tfTree<TB.TfDecoderLayerParams>(params);
      const run = (m: Matrix) => tfArray<Matrix[]>(() => TB.decoderLayer(tf.tensor3d([m]), tf.tensor3d([memory]), tree))[0];
      expect(run(future).slice(0, t + 1)).toEqual(run(x).slice(0, t + 1)); // −∞ scores: e^{−∞} = 0 exactly in float32 too
      dispose();
    });
  });

  it('the decoder layer sees all of the memory: changing any one encoder position changes its output at every position (reference and tfjs)', () => {
    checkProperty<[Value<typeof layerCase>]>('decoder output depends on every memory position', layerCase, (a) => {
      const { C, rng, params, x, memory } = setup(a, decoderLayout);
      const j = a.pick % memory.length; // any memory position, first or last included
      const changedMemory = memory.map((r, s) => (s === j ? seqOf(rng, 1, C)[0] : r));
      const p = referenceParams(params) as unknown as DecoderLayerParams<number>;
      const [y, yc] = [decoderLayer(x, memory, p), decoderLayer(x, changedMemory, p)];
      const { tree, dispose } = tfTree<TB.TfDecoderLayerParams>(params);
      const run = (m: Matrix) => tfArray<Matrix[]>(() => TB.decoderLayer(tf.tensor3d([x]), tf.tensor3d([m]), tree))[0];
      const [ty, tyc] = [run(memory), run(changedMemory)];
      dispose();
      for (let t = 0; t < x.length; t++) {
        // cross-attention has no mask: memory row j reaches every decoder position
        expect(compareNested(yc[t], y[t], EXACT.reference).ok, `reference: position ${t} ignored memory ${j}`).toBe(false);
        expect(compareNested(tyc[t], ty[t], EXACT.tfjs).ok, `tfjs: position ${t} ignored memory ${j}`).toBe(false);
      }
    });
  });

  it('the encoder layer is bidirectional: its output at position t changes when a later token changes (reference and tfjs)', () => {
    checkProperty<[Value<typeof layerCase>]>('encoder output at t depends on later tokens', layerCase, (a) => {
      const { C, rng, params, x } = setup(a, encoderLayout);
      const T = x.length;
      const t = a.pick % (T - 1);
      const later = t + 1 + (a.pick2 % (T - 1 - t)); // some position after t
      const changed = x.map((r, s) => (s === later ? seqOf(rng, 1, C)[0] : r));
      const p = referenceParams(params) as unknown as EncoderLayerParams<number>;
      expect(compareNested(encoderLayer(changed, p)[t], encoderLayer(x, p)[t], EXACT.reference).ok, `reference: position ${t} ignored position ${later}`).toBe(false);
      const { tree, dispose } = tfTree<TB.TfEncoderLayerParams>(params);
      const run = (m: Matrix) => tfArray<Matrix[]>(() => TB.encoderLayer(tf.tensor3d([m]), tree))[0][t];
      expect(compareNested(run(changed), run(x), EXACT.tfjs).ok, `tfjs: position ${t} ignored position ${later}`).toBe(false);
      dispose();
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('incremental decoding with the KV cache equals the full causal forward pass', () => {
  const gpt = fc
    .record({
      vocab_size: fc.integer({ min: 2, max: 12 }),
      block_size: fc.integer({ min: 1, max: 8 }),
      n_head: fc.integer({ min: 1, max: 3 }),
      hs: fc.integer({ min: 1, max: 4 }),
      n_layer: fc.integer({ min: 1, max: 2 }),
      B: fc.integer({ min: 1, max: 3 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .chain((c) =>
      fc.integer({ min: 1, max: c.block_size }).chain((T) =>
        fc.record({
          c: fc.constant(c),
          idx: fc.array(fc.array(fc.integer({ min: 0, max: c.vocab_size - 1 }), { minLength: T, maxLength: T }), { minLength: c.B, maxLength: c.B }),
        }),
      ),
    );
  type Gpt = Value<typeof gpt>;
  const configOf = ({ c }: Gpt): TinyConfig =>
    validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_head * c.hs, n_head: c.n_head, n_layer: c.n_layer, dropout: 0 });
  /** Parameters for every entry of the TinyGPT state_dict (tril buffers included). */
  const paramsOf = (config: TinyConfig, seed: number): Params => seededParams([...tinyStateDictLayout('tinygpt', config)].map(([n, e]) => [n, e.shape]), seededRng(seed));

  it('reference: the logits of every position, decoded step by step, equal tinyModel\'s within 1e-12', () => {
    checkProperty<[Gpt]>('reference KV-cache decoding = full causal pass', gpt, (g) => {
      const config = configOf(g);
      const p = referenceParams(paramsOf(config, g.c.seed)) as unknown as TinyModelParams<number>;
      const full = tinyModel('tinygpt', config, p, g.idx).logits; // (B × T × V)
      const stepwise = tinyGptDecode(config, p, g.idx); // (B × T × V)
      // the same float64 operations on the same rows; the masked terms the full pass adds are exact zeros
      const c = compareNested(stepwise, full, EXACT.reference);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(`tfjs (${backendReport.choice}): B sequences decoded step by step match the reference's full pass and tfjs's own, and leak no tensor`, () => {
    checkProperty<[Gpt]>(
      'tfjs KV-cache decoding = full causal pass',
      gpt,
      (g) => {
        const config = configOf(g);
        const params = paramsOf(config, g.c.seed);
        const full = tinyModel('tinygpt', config, referenceParams(params) as unknown as TinyModelParams<number>, g.idx).logits; // (B × T × V)
        const before = tf.memory().numTensors;
        const { tree, dispose } = tfTree<TfTinyModelParams>(params);
        const cache = TK.createKvCache(config);
        const rows = range(g.idx[0].length).map((t) => {
          const logits = TK.tinyGptStep(config, tree, cache, g.idx.map((s) => s[t]), t); // (B × V)
          const r = logits.arraySync() as Matrix;
          logits.dispose();
          return r;
        });
        const stepwise = g.idx.map((_, b) => rows.map((r) => r[b])); // (B × T × V)
        const tfFull = tfArray<Matrix[]>(() => tfTinyModel('tinygpt', config, tree, g.idx).logits); // (B × T × V)
        TK.disposeKvCache(cache);
        dispose();
        expect(tf.memory().numTensors).toBe(before);
        // float32 LayerNorms, projections and attention chained over ≤ 2 blocks plus the head
        const c = compareNested(stepwise, full, TFJS_VS_REFERENCE.multiHeadAttention);
        expect(c.ok, `vs reference: ${c.message}`).toBe(true);
        const own = compareNested(stepwise, tfFull, TFJS_VS_REFERENCE.multiHeadAttention);
        expect(own.ok, `vs tfjs tinyModel: ${own.message}`).toBe(true);
      },
      // each run decodes up to 8 steps of ~30 tfjs ops per layer, plus the full pass: 50 runs keep
      // the spec near a second on the cpu backend
      { numRuns: 50 },
    );
  });

  describe('on the PyTorch fixture fixtures/models/tinygpt.safetensors', () => {
    const f = loadFixture('models/tinygpt.safetensors');
    const raw = f.config as Record<string, number>;
    const config = validateTinyConfig({ vocab_size: raw.vocab_size, block_size: raw.block_size, n_embed: raw.n_embed, n_head: raw.n_head, n_layer: raw.n_layer, dropout: raw.dropout });
    const idx = nested(f.input.get('idx')!) as number[][]; // (4 × 16): T = block_size, every position decoded
    const expected = f.output.get('logits')!; // (4 × 16 × 48)
    const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

    it('reference: cached logits match output.logits', () => {
      const p = referenceParams(f.param) as unknown as TinyModelParams<number>;
      const stepwise = tinyGptDecode(config, p, idx); // (B × T × V)
      expect([stepwise.length, stepwise[0].length, stepwise[0][0].length]).toEqual(expected.shape);
      const c = compareNested(flat(stepwise), expected.values, PYTORCH_PARITY.modelForward);
      expect(c.ok, c.message).toBe(true);
    });

    it(`tfjs (${backendReport.choice}): cached logits match output.logits, and nothing leaks`, () => {
      const before = tf.memory().numTensors;
      const { tree, dispose } = tfTree<TfTinyModelParams>(f.param);
      const logits = TK.tinyGptDecode(config, tree, idx); // (B × T × V)
      expect(logits.shape).toEqual(expected.shape);
      const c = compareNested(Array.from(logits.dataSync()), expected.values, PYTORCH_PARITY.modelForward);
      logits.dispose();
      dispose();
      expect(c.ok, c.message).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('bad steps are refused and leave the cache as it was', () => {
    const config = validateTinyConfig({ vocab_size: 5, block_size: 3, n_embed: 4, n_head: 2, n_layer: 1, dropout: 0 });
    const params = paramsOf(config, 11);
    const p = referenceParams(params) as unknown as TinyModelParams<number>;

    it('reference: position beyond block_size, token outside the vocabulary, steps out of order', () => {
      const cache = createKvCache(config);
      expect(() => tinyGptStep(config, p, cache, [0], 1)).toThrow(/out of order.*expects position 0/);
      [0, 1, 2].forEach((t) => tinyGptStep(config, p, cache, [t], t)); // fills block_size = 3 positions
      expect(() => tinyGptStep(config, p, cache, [0], 3)).toThrow(RangeArgumentError);
      expect(() => tinyGptStep(config, p, cache, [0], 3)).toThrow(/block_size 3/);
      const fresh = createKvCache(config);
      expect(() => tinyGptStep(config, p, fresh, [5], 0)).toThrow(RangeArgumentError);
      expect(() => tinyGptStep(config, p, fresh, [5], 0)).toThrow(/token = 5 .*0…4/);
      expect(() => tinyGptStep(config, p, fresh, [-1], 0)).toThrow(/not a token id/);
      expect(() => tinyGptStep(config, p, fresh, [0], -1)).toThrow(/integer ≥ 0/);
      tinyGptStep(config, p, fresh, [1], 0);
      expect(() => tinyGptStep(config, p, fresh, [1], 0)).toThrow(/out of order.*expects position 1/); // a repeat
      expect(() => tinyGptStep(config, p, fresh, [1], 2)).toThrow(/out of order/); // a skip
      expect(fresh.length).toBe(1);
      expect(fresh.keys[0][0].map((k) => k.length)).toEqual([1, 1]); // sequence 0, layer 0: one row per head
    });

    it(`tfjs (${backendReport.choice}): the same errors, no tensor leaked by a refused step, and disposeKvCache frees the cache`, () => {
      const before = tf.memory().numTensors;
      const { tree, dispose } = tfTree<TfTinyModelParams>(params);
      const cache = TK.createKvCache(config);
      expect(() => TK.tinyGptStep(config, tree, cache, [0, 0], 1)).toThrow(/out of order/);
      for (const t of [0, 1, 2]) TK.tinyGptStep(config, tree, cache, [t, 4 - t], t).dispose(); // B = 2
      expect(cache.keys[0]!.shape).toEqual([2, 2, 3, 2]); // (B × H × t × hs)
      expect(() => TK.tinyGptStep(config, tree, cache, [0, 0], 3)).toThrow(/block_size 3/);
      TK.disposeKvCache(cache);
      expect(() => TK.tinyGptStep(config, tree, cache, [0, 5], 0)).toThrow(/token\[1\] = 5/);
      TK.tinyGptStep(config, tree, cache, [0, 1], 0).dispose();
      expect(() => TK.tinyGptStep(config, tree, cache, [0, 1, 2], 1)).toThrow(/holds 2 sequences/);
      expect(() => TK.tinyGptStep(config, tree, cache, [0, 1], 0)).toThrow(/out of order/);
      expect(cache.length).toBe(1);
      TK.disposeKvCache(cache);
      dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('dropout', () => {
  /*
   * Training mode, inverted: each entry is kept with probability 1 − p and then scaled by 1/(1 − p).
   * The number of zeros Z among N entries is Binomial(N, p), sd √(N p (1−p)); with N = 4096 and
   * p ∈ [0.05, 0.9], N p (1−p) ≥ 194, so Z/N is close to normal and we allow 5 sd:
   * |Z/N − p| ≤ 5 √(p(1−p)/N) (two-sided failure probability ≈ 6e-7 per check). Given x, mean(out)
   * has expectation mean(x) and sd √(p/(1−p) Σ x²)/N; again 5 sd.
   */
  const SIGMAS = 5;
  const [ROWS, COLS] = [64, 64];
  const args = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), p: fc.double({ min: 0.05, max: 0.9, noNaN: true }) });
  /** Positive inputs in [0.5, 4), so an output 0 is a dropped entry. (64 × 64) */
  const inputOf = (seed: number): Matrix => {
    const rng = seededRng(seed ^ 0x5bd1e995); // not the mask's stream
    return range(ROWS).map(() => range(COLS).map(() => Math.fround(rng.uniform(0.5, 4))));
  };
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

  function checkTraining(x: Matrix, out: Matrix, p: number, scaleTol: Pick<typeof EXACT.tfjs, 'atol' | 'rtol'>): void {
    const [xs, ys] = [x.flat(), out.flat()];
    const N = xs.length;
    const zeros = ys.filter((v) => v === 0).length;
    expect(Math.abs(zeros / N - p), `zeroed ${zeros} of ${N} at p = ${p}`).toBeLessThanOrEqual(SIGMAS * Math.sqrt((p * (1 - p)) / N));
    // every survivor is x/(1 − p): the inverted scaling
    const kept = ys.map((v, k) => [v, xs[k] / (1 - p)]).filter(([v]) => v !== 0);
    const c = compareNested(kept.map(([v]) => v), kept.map(([, e]) => e), scaleTol);
    expect(c.ok, c.message).toBe(true);
    const sd = Math.sqrt((p / (1 - p)) * xs.reduce((s, v) => s + v * v, 0)) / N;
    expect(Math.abs(mean(ys) - mean(xs)), `mean ${mean(ys)} vs ${mean(xs)}`).toBeLessThanOrEqual(SIGMAS * sd);
  }

  it('in evaluation mode dropout is the identity, whatever p (reference and tfjs)', () => {
    checkProperty<[Value<typeof args>]>('dropout in eval is the identity', args, ({ seed, p }) => {
      const x = seqOf(seededRng(seed), 8, 8);
      expect(dropout(x, p, { training: false, seed })).toEqual(x);
      const t = tf.tensor2d(x);
      const y = L.dropout(t, p, { training: false, seed });
      expect(y.arraySync()).toEqual(x);
      tf.dispose([t, y]);
    });
  });

  it('reference, training, fixed seed: reproducible, zeros a fraction within 5 binomial sd of p, keeps the mean (×1/(1−p))', () => {
    checkProperty<[Value<typeof args>]>(
      'reference dropout in training',
      args,
      ({ seed, p }) => {
        const x = inputOf(seed); // (64 × 64)
        const out = dropout(x, p, { training: true, seed });
        expect(dropout(x, p, { training: true, seed })).toEqual(out); // same seed, same mask
        expect(dropout(x, p, { training: true, seed: seed + 1 })).not.toEqual(out); // another seed, another mask
        checkTraining(x, out, p, EXACT.reference); // v/(1−p) computed the same way: float64-exact
      },
      // 4096 entries per run and three dropout passes: 50 runs (≈ 600,000 draws) are plenty
      { numRuns: 50 },
    );
  });

  it(`tfjs (${backendReport.choice}), training, fixed seed: reproducible, zeros a fraction within 5 binomial sd of p, keeps the mean (×1/(1−p))`, () => {
    checkProperty<[Value<typeof args>]>(
      'tfjs dropout in training',
      args,
      ({ seed, p }) => {
        const x = inputOf(seed); // (64 × 64)
        const run = (s: number) => tfArray<Matrix>(() => L.dropout(tf.tensor2d(x), p, { training: true, seed: s }));
        const out = run(seed);
        expect(run(seed)).toEqual(out);
        expect(run(seed + 1)).not.toEqual(out);
        checkTraining(x, out, p, EXACT.tfjs); // x · (1/(1−p)) with the factor rounded to float32
      },
      { numRuns: 50 },
    );
  });
});
