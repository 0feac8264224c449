/**
 * tinyllama: a tiny LLaMA-architecture model (RMSNorm, split-half RoPE, grouped-query attention,
 * SwiGLU, untied head; LlamaForCausalLM's state_dict names) against PyTorch on
 * fixtures/llm/tinyllama.safetensors (scripts/export-llm-fixtures.py, written from the formulas):
 * the fixture's conventions, then logits and loss (reference and tfjs), every gradient (tfjs,
 * tf.grads), decoding with a key/value cache equal to the full pass, grouped-query attention equal
 * to multi-head attention with the key/value heads repeated, and a near-miss the tolerance rejects
 * (query heads grouped h mod H_kv instead of ⌊h / (H / H_kv)⌋).
 * Tolerances: PYTORCH_PARITY (modelForward, gradient), EXACT, TFJS_VS_REFERENCE.block.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadFixture, nested, referenceParams } from '../../src/core/fixtures.js';
import { llamaParameterCount, llamaStateDictLayout, validateLlamaConfig, type TinyLlamaConfig } from '../../src/core/llama-config.js';
import { unflatten } from '../../src/core/state-dict.js';
import { compareNested, EXACT, PYTORCH_PARITY, REFERENCE_VS_HIGH_PRECISION, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import * as HP from '../../src/reference/high-precision.js';
import { bignumber } from '../../src/reference/field.js';
import { tinyLlama, tinyLlamaDecode, type TinyLlamaParams } from '../../src/reference/tiny-llama.js';
import * as T from '../../src/tfjs/index.js';
import { backendReport } from '../_helpers/setup.js';

const f = loadFixture('llm/tinyllama.safetensors');
const config: TinyLlamaConfig = validateLlamaConfig(Object.fromEntries(Object.entries(f.config).filter(([k]) => !['module', 'rope', 'loss', 'mode'].includes(k))), 'fixture config');
const idx = nested(f.input.get('idx')!) as number[][];
const targets = nested(f.input.get('targets')!) as number[][];
const params = referenceParams(f.param) as unknown as TinyLlamaParams<number>;
const wantLogits = f.output.get('logits')!.values;
const wantLoss = f.output.get('loss')!.values[0];
type M = number[][];

const tfParams = () => unflatten([...f.param].map(([n, t]) => [n, tf.tensor(t.values, t.shape)])) as unknown as T.TfTinyLlamaParams;
const disposeTree = (x: unknown): void => {
  if (x instanceof tf.Tensor) x.dispose();
  else if (x && typeof x === 'object') Object.values(x).forEach(disposeTree);
};

describe('tinyllama: the PyTorch fixture was exported with the conventions the implementation assumes', () => {
  it('LlamaConfig fields: 4 query heads share 2 key/value heads, RoPE rotate_half θ 10000, ε 1e-6, untied head, targets aligned; every LlamaForCausalLM name and shape, count = llamaParameterCount', () => {
    expect(config).toMatchObject({ num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, rms_norm_eps: 1e-6 });
    expect(f.config.rope).toMatch(/rotate_half/);
    expect(f.config.loss).toMatch(/targets aligned/);
    const layout = llamaStateDictLayout(config);
    expect([...f.param.keys()].sort()).toEqual([...layout.keys()].sort());
    for (const [n, shape] of layout) expect(f.param.get(n)!.shape, n).toEqual(shape);
    expect([...f.param.values()].reduce((s, t) => s + t.values.length, 0)).toBe(llamaParameterCount(config));
  });
});

describe(`tinyllama: logits, loss and gradients match PyTorch (tfjs on ${backendReport.choice})`, () => {
  it('reference-f64: logits (B × T × V) and the mean cross-entropy', () => {
    const r = tinyLlama(config, params, idx, targets);
    const c = compareNested(r.logits.flat(2), wantLogits, PYTORCH_PARITY.modelForward);
    expect(c.ok, c.message).toBe(true);
    expect(compareNested([r.loss!], [wantLoss], PYTORCH_PARITY.modelForward).ok).toBe(true);
  });

  it('tfjs: logits, loss, and the gradient of the loss for every parameter; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const p = tfParams();
    const names = [...f.param.keys()];
    const flat = names.map((n) => names.indexOf(n)).map((i) => tf.tensor(f.param.get(names[i])!.values, f.param.get(names[i])!.shape));
    const out = T.tinyLlama(config, p, idx, targets);
    const grads = tf.grads((...vars: tf.Tensor[]) => {
      const o = T.tinyLlama(config, unflatten(names.map((n, i) => [n, vars[i]])) as unknown as T.TfTinyLlamaParams, idx, targets);
      o.logits.dispose();
      return o.loss!;
    })(flat);
    const [logits, loss, ...g] = await Promise.all([out.logits, out.loss!, ...grads].map((t) => t.data()));
    expect(out.logits.shape).toEqual(f.output.get('logits')!.shape);
    const c = compareNested(Array.from(logits), wantLogits, PYTORCH_PARITY.modelForward);
    expect(c.ok, c.message).toBe(true);
    expect(compareNested([loss[0]], [wantLoss], PYTORCH_PARITY.modelForward).ok).toBe(true);
    names.forEach((n, i) => {
      const gc = compareNested(Array.from(g[i]), f.gradParam.get(n)!.values, PYTORCH_PARITY.gradient);
      expect(gc.ok, `∂loss/∂${n}: ${gc.message}`).toBe(true);
    });
    expect(names.length).toBe(f.gradParam.size);
    tf.dispose([out.logits, out.loss!, ...grads, ...flat]);
    disposeTree(p);
    expect(tf.memory().numTensors - before, 'tensors leaked').toBe(0);
  });
});

describe('tinyllama: decoding with a key/value cache equals the full pass', () => {
  it('reference-f64: one token at a time gives the full pass\'s logits, exactly (the same operations in the same order)', () => {
    const full = tinyLlama(config, params, [idx[0]]).logits[0];
    expect(tinyLlamaDecode(config, params, idx[0])).toEqual(full);
  });

  it(`tfjs (${backendReport.choice}): the cached decode matches the reference full pass; no tensor leaks`, async () => {
    const before = tf.memory().numTensors;
    const p = tfParams();
    const got = T.tinyLlamaDecode(config, p, idx[1]);
    const values = (await got.array()) as M;
    got.dispose();
    disposeTree(p);
    const c = compareNested(values, tinyLlama(config, params, [idx[1]]).logits[0], TFJS_VS_REFERENCE.block);
    expect(c.ok, c.message).toBe(true);
    expect(tf.memory().numTensors - before).toBe(0);
  });
});

describe('tinyllama: the float64 reference against the 64-digit BigNumber oracle', () => {
  it('the fixture\'s weights on 3 tokens: full pass and cached decode agree with float64 within REFERENCE_VS_HIGH_PRECISION', () => {
    const toBig = (x: unknown): unknown => (Array.isArray(x) ? x.map(toBig) : typeof x === 'number' ? bignumber.from(x) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toBig(v)])) : x);
    const big = toBig(params) as Parameters<typeof HP.tinyLlama>[1];
    const tokens = idx[0].slice(0, 3);
    const exact = HP.tinyLlama(config, big, [tokens]).logits[0].map((r) => r.map((v) => v.toNumber()));
    expect(compareNested(tinyLlama(config, params, [tokens]).logits[0], exact, REFERENCE_VS_HIGH_PRECISION).ok).toBe(true);
    const exactDecode = HP.tinyLlamaDecode(config, big, tokens).map((r) => r.map((v) => v.toNumber()));
    expect(compareNested(exactDecode, exact, EXACT['high-precision']).ok, 'the oracle\'s decode equals its full pass').toBe(true);
  });
});

/** The same model with each key/value head's rows copied for every query head of its group: H_kv = H. */
function repeatedKv(p: TinyLlamaParams<number>, c: TinyLlamaConfig): TinyLlamaParams<number> {
  const dh = c.hidden_size / c.num_attention_heads;
  const rep = c.num_attention_heads / c.num_key_value_heads;
  const repeat = (w: M) => Array.from({ length: c.num_attention_heads }, (_, h) => w.slice(Math.floor(h / rep) * dh, (Math.floor(h / rep) + 1) * dh)).flat();
  return { ...p, model: { ...p.model, layers: p.model.layers.map((l) => ({ ...l, self_attn: { ...l.self_attn, k_proj: { weight: repeat(l.self_attn.k_proj.weight) }, v_proj: { weight: repeat(l.self_attn.v_proj.weight) } } })) } };
}

describe('tinyllama: grouped-query attention', () => {
  it('equals multi-head attention (num_key_value_heads = num_attention_heads) with each key/value head repeated for its group', () => {
    const gqa = tinyLlama(config, params, idx).logits;
    const mha = tinyLlama({ ...config, num_key_value_heads: config.num_attention_heads }, repeatedKv(params, config), idx).logits;
    expect(compareNested(mha, gqa, EXACT.reference).ok).toBe(true);
  });

  it('the parity tolerance rejects the other grouping (query head h reading key/value head h mod H_kv)', () => {
    // permuting the query heads (q_proj rows, o_proj columns) as 0, 2, 1, 3 makes head h read the key/value head of h mod 2
    const dh = config.hidden_size / config.num_attention_heads;
    const order = [0, 2, 1, 3];
    const rows = (w: M) => order.flatMap((h) => w.slice(h * dh, (h + 1) * dh));
    const cols = (w: M) => w.map((r) => order.flatMap((h) => r.slice(h * dh, (h + 1) * dh)));
    const modGrouped = { ...params, model: { ...params.model, layers: params.model.layers.map((l) => ({ ...l, self_attn: { ...l.self_attn, q_proj: { weight: rows(l.self_attn.q_proj.weight) }, o_proj: { weight: cols(l.self_attn.o_proj.weight) } } })) } };
    const c = compareNested(tinyLlama(config, modGrouped, idx).logits.flat(2), wantLogits, PYTORCH_PARITY.modelForward);
    expect(c.ok).toBe(false);
    expect(c.maxAbsError).toBeGreaterThan(100 * PYTORCH_PARITY.modelForward.atol);
  });
});
