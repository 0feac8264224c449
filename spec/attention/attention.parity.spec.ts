/**
 * Parity of the general attention op (src/reference/attention.ts, src/tfjs/attention.ts) with
 * PyTorch: the fixtures fixtures/layers/attention-*.safetensors, written by scripts/export-fixtures.py
 * from the formulas (torch 1.13 has no scaled_dot_product_attention) with named conventions —
 * Hugging Face's repeat_kv for grouped-query heads, build_alibi_tensor's slopes and m_h·j bias,
 * Gemma 2's soft-cap, torch attn_mask broadcasting, both causal alignments. For each: shape, then
 * forward values, then every gradient (q, k, v, past keys/values, the bias) — tfjs by tf.grads,
 * the float64 reference by central differences. Tolerances: PYTORCH_PARITY, FINITE_DIFFERENCE.
 */
import { describe, expect, it } from 'vitest';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { LAYER_CASES, referenceLayerOutput } from '../../src/ops/parity.js';
import { ATTENTION_FIXTURES } from '../../src/ops/registry.js';
import { attention, type GeneralAttentionOptions } from '../../src/reference/attention.js';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

for (const { file } of ATTENTION_FIXTURES) describeLayerParity(file);

describe('the attention fixtures were exported with the options the registry runs them with', () => {
  it.each(ATTENTION_FIXTURES.map((f) => [f.file, f.options] as const))('%s', (file, options) => {
    const c = layerFixture(file).config as Record<string, unknown>;
    expect(c.module).toBe('GeneralAttention');
    expect(c.causal ?? null).toBe(options.causal ?? null);
    expect(c.scale ?? undefined).toBe(options.scale);
    expect(c.softcap).toBe(options.softcap);
    expect(c.alibi).toBe(options.alibi);
    expect(c.key_lengths).toEqual(options.keyLengths);
  });

  it('the grouped fixtures really group: fewer kv heads than query heads, and d_v ≠ d_k in attention-gqa', () => {
    const f = layerFixture('attention-gqa');
    expect(f.input.get('q')!.shape).toEqual([2, 4, 5, 4]);
    expect(f.input.get('k')!.shape).toEqual([2, 2, 5, 4]);
    expect(f.input.get('v')!.shape).toEqual([2, 2, 5, 3]);
    expect(layerFixture('attention-mqa-cache').input.get('k')!.shape[1]).toBe(1);
  });
});

describe('discrimination: the other convention misses PyTorch by more than PYTORCH_PARITY.forward', () => {
  /** The reference on a fixture with one option changed (or K/V heads re-ordered), compared with PyTorch's output. */
  const misses = (file: string, change: GeneralAttentionOptions, permuteKv = false) => {
    const f = layerFixture(file);
    const base = LAYER_CASES.find((c) => c.file === file)!;
    const options = ATTENTION_FIXTURES.find((x) => x.file === file)!.options;
    const tiled = (x: unknown) => (permuteKv ? (x as unknown[][]).map((b) => [...b, ...b]) : x); // kv heads 0,1,0,1: query head h reads h mod H_kv
    const variant = { ...base, reference: (i: Record<string, unknown>) => attention(i.q as number[], tiled(i.k) as number[], tiled(i.v) as number[], { ...options, ...change, ...(i.bias ? { bias: i.bias } : {}), ...(i.mask ? { mask: (i.mask as number[][][]).map((h) => h.map((r) => r.map((x) => x === 1))) } : {}), ...(i.past_key ? { pastKey: i.past_key, pastValue: i.past_value } : {}) }) };
    return compareNested(referenceLayerOutput(variant, f).values, f.output.get('y')!.values, PYTORCH_PARITY.forward).ok === false;
  };
  it('bottom-right instead of top-left on attention-mask-bias (3 queries, 5 keys)', () => expect(misses('attention-mask-bias', { causal: 'bottom-right' })).toBe(true));
  it('kv heads swapped (h mod H_kv instead of HF repeat_kv) on attention-gqa', () => expect(misses('attention-gqa', {}, true)).toBe(true));
  it('no soft-cap on attention-softcap', () => expect(misses('attention-softcap', { softcap: null })).toBe(true));
  it('top-left alignment while decoding with a cache (attention-mqa-cache)', () => expect(misses('attention-mqa-cache', { causal: 'top-left' })).toBe(true));
  it('no key lengths on attention-mqa-cache', () => expect(misses('attention-mqa-cache', { keyLengths: null })).toBe(true));
  it('ALiBi slopes of the next power of two (8) cut to 6 heads, instead of the paper\'s for 6', () => {
    const m8 = [1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64];
    expect(misses('attention-alibi', { alibi: m8 })).toBe(true);
  });
});
