/**
 * The numeric conventions of src/core/numeric-conventions.ts, rule by rule, on the float64
 * reference, the BigNumber oracle where it applies, and tfjs on the backend of this run (the suite
 * runs on wasm and cpu), and properties over the whole float32 range (issue 14, findings 1, 5, 6
 * and 8). Before: `explain attention --q '[[1e20,0]]' …` printed weights [[∞, 1]] on tfjs with exit
 * 0; LayerNorm([1e30, −1e30]) was [0, 0] on tfjs; RoPE drifted by 0.83 at position 10^8;
 * `generate --temperature 1e-300` failed on tfjs only; a 3e38 weight moved tfjs's argmax;
 * attention always returned five tensors.
 *
 * tfjs is driven through the op registry's array adapter (src/ops/implementations.ts) — the path
 * where values cross the host boundary and are checked, with its leak guard — and directly where a
 * rule is about a tensor op itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { highPrecisionImpl, referenceImpl, tfjsImpl } from '../../src/ops/implementations.js';
import { Float32RangeError, NonFiniteError, type SpecError } from '../../src/core/errors.js';
import { checkReadBack, FLOAT32_MAX } from '../../src/core/numeric-conventions.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../../src/core/safetensors.js';
import { compareNested, EXACT, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import type { Activation } from '../../src/reference/activations.js';
import { crossEntropy } from '../../src/reference/cross-entropy.js';
import * as HP from '../../src/reference/high-precision.js';
import * as R from '../../src/reference/index.js';
import { samplingDistribution } from '../../src/reference/sampling.js';
import * as T from '../../src/tfjs/index.js';
import { samplingDistribution as tfSamplingDistribution } from '../../src/tfjs/sampling.js';
import { softmaxUnchecked } from '../../src/tfjs/softmax.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';
import { expectSpecError } from '../_helpers/errors.js';
import { checkPropertyAsync, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

const TFJS = `tfjs (${backendReport.choice})`;
const tfImpl = tfjsImpl(backendReport);
const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-numerics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error a call throws or rejects with (undefined if none). */
async function thrown(f: () => unknown): Promise<SpecError | undefined> {
  try {
    await f();
  } catch (e) {
    return e as SpecError;
  }
  return undefined;
}

/** The call must fail with an instance of `cls`, with `code`, and a message matching `message`. */
async function expectRejects(f: () => unknown, cls: new (...a: never[]) => SpecError, code: string, message: RegExp): Promise<void> {
  const e = await thrown(f);
  expect(e, 'expected the call to fail').toBeInstanceOf(cls);
  expect(e!.code).toBe(code);
  expect(e!.message).toMatch(message);
}

describe('rule 1: NaN and ±∞ inputs are refused by every operation, with the same error', () => {
  const bad: Array<[string, number]> = [['NaN', NaN], ['+∞', Infinity], ['−∞', -Infinity]];
  const message = /\[0\]\[1\] is (NaN|Infinity|-Infinity); inputs must be finite$/;
  const ops: Array<[string, (impl: typeof referenceImpl, x: number[][]) => unknown]> = [
    ['LayerNorm', (impl, x) => impl.layerNorm(x, null)],
    ['GELU', (impl, x) => impl.activation(x, 'gelu')],
    ['ReLU', (impl, x) => impl.activation(x, 'relu')],
    ['SiLU', (impl, x) => impl.activation(x, 'silu')],
    ['tanh', (impl, x) => impl.activation(x, 'tanh')],
    ['SwiGLU (the gate input)', (impl, x) => impl.gatedFeedForward(x, { gate_proj: { weight: [[1, 1, 1]] }, up_proj: { weight: [[1, 1, 1]] }, down_proj: { weight: [[1]] } }, 'silu')],
  ];
  for (const [op, run] of ops) {
    it(`${op}: reference and ${TFJS} (checked on the host, before the upload)`, async () => {
      for (const [, v] of bad) {
        const x = [[1, v, 2]];
        await expectRejects(() => run(referenceImpl, x), NonFiniteError, 'NON_FINITE', message);
        await expectRejects(() => run(tfImpl, x), NonFiniteError, 'NON_FINITE', message);
      }
    });
  }

  it('cross-entropy: logits with NaN or ±∞ are refused on the reference; on tfjs they propagate on the device and the read-back refuses them', async () => {
    for (const [, v] of bad) {
      expectSpecError(() => crossEntropy([[1, v], [0, 1]], [0, 1]), NonFiniteError, 'NON_FINITE', /^cross-entropy logits\[0\]\[1\] is /);
      const loss = T.crossEntropy(tf.tensor2d([[1, v], [0, 1]]), tf.tensor1d([0, 1], 'int32'));
      const value = (await loss.data())[0];
      tf.dispose(loss);
      expectSpecError(() => checkReadBack(value, 'loss'), Float32RangeError, 'OUT_OF_RANGE', /^loss came back as (NaN|Infinity)/);
    }
  });

  it('softmax keeps its rule: −∞ is masked (weight 0), NaN and +∞ are refused on every implementation', async () => {
    for (const impl of [referenceImpl, tfImpl]) {
      expect(await impl.softmax([[0, -Infinity]])).toEqual([[1, 0]]);
      expect(await impl.softmax([[-Infinity, -Infinity]])).toEqual([[0, 0]]);
      expect(await thrown(() => impl.softmax([[0, Infinity]]))).toBeInstanceOf(NonFiniteError);
      expect(await thrown(() => impl.softmax([[0, NaN]]))).toBeInstanceOf(NonFiniteError);
    }
  });
});

describe('rule 2: a +∞ maximum is not a masked row', () => {
  it(`${TFJS}: softmax of a row whose max is +∞ (float32 overflow inside an op) is NaN, not the [∞, 1] it was`, async () => {
    const w = softmaxUnchecked(tf.tensor2d([[Infinity, 0], [-Infinity, -Infinity], [1, 0]]));
    const rows = (await w.array()) as number[][];
    tf.dispose(w);
    expect(rows[0].every(Number.isNaN)).toBe(true);
    expect(rows[1]).toEqual([0, 0]); // fully masked: zeros, as before
    expect(compareNested(rows[2], R.softmax([[1, 0]])[0], TFJS_VS_REFERENCE.softmax).ok).toBe(true);
  });
});

describe('rule 3a/3b: values and attention scores beyond float32’s range are refused by every implementation', () => {
  const q = [[1e20, 0]];
  const k = [[1e20, 0], [0, 1]];
  const v = [[1, 0], [0, 1]];
  const score = /^attention scores: the score of query 0 and key 0 can reach 1\.00e\+40 \(Σ\|q\|\|k\| = 1\.00e\+40, scale 0\.707\), beyond float32's range/;

  it(`the issue's example on the reference, the BigNumber oracle and ${TFJS}: one Float32RangeError`, async () => {
    expectSpecError(() => R.scaledDotProductAttention(q, k, v), Float32RangeError, 'OUT_OF_RANGE', score);
    expectSpecError(() => HP.scaledDotProductAttention(HP.toBig(q), HP.toBig(k), HP.toBig(v)), Float32RangeError, 'OUT_OF_RANGE', score);
    await expectRejects(() => tfImpl.scaledDotProductAttention(q, k, v), Float32RangeError, 'OUT_OF_RANGE', score);
    // The bound counts the scores before scaling too: a tiny scale does not let 1e40 through.
    expectSpecError(() => R.scaledDotProductAttention(q, k, v, { scale: 1e-10 }), Float32RangeError, 'OUT_OF_RANGE', /can reach 1\.00e\+40/);
  });

  it('explain attention: exit 2 with one line on both backends (it printed [[∞, 1]] and "each row sums to 1" with exit 0)', async () => {
    for (const backend of ['reference', 'tfjs']) {
      await expectUsageFailure(['explain', 'attention', '--q', JSON.stringify(q), '--k', JSON.stringify(k), '--v', JSON.stringify(v), '--backend', backend, '--json'], /^error: attention scores: the score of query 0 and key 0 can reach 1\.00e\+40/);
    }
  });

  it('a finite input beyond float32 (1e39) is refused, not rounded to ∞', async () => {
    for (const impl of [referenceImpl, tfImpl]) {
      await expectRejects(() => impl.softmax([[1e39, 0]]), Float32RangeError, 'OUT_OF_RANGE', /\[0\]\[0\] = 1e\+39 is beyond float32's range/);
      await expectRejects(() => impl.layerNorm([[1e39, 0]], null), Float32RangeError, 'OUT_OF_RANGE', /\[0\]\[0\] = 1e\+39 is beyond float32's range/);
    }
  });

  it('just inside the bound, attention computes on every implementation and they agree', async () => {
    const edge = Math.sqrt(FLOAT32_MAX) * 0.99; // q·k = 0.98 · FLOAT32_MAX before scaling
    const [qq, kk, vv] = [[[edge, 0]], [[edge, 0], [0, 1]], [[1, 0], [0, 1]]];
    const ref = R.scaledDotProductAttention(qq, kk, vv, { steps: true });
    const tfr = await tfImpl.scaledDotProductAttention(qq, kk, vv, { steps: true });
    expect(ref.weights).toEqual([[1, 0]]);
    expect(compareNested(tfr.weights, ref.weights, TFJS_VS_REFERENCE.attention).ok).toBe(true);
    expect(compareNested(tfr.output, ref.output, TFJS_VS_REFERENCE.attention).ok).toBe(true);
  });
});

describe('rule 3c: normalisations agree over the whole float32 range', () => {
  it(`LayerNorm([1e30, −1e30]) = [1, −1] (to ε) on the reference, the oracle and ${TFJS} (tfjs gave [0, 0]); RMSNorm of [3e38, −3e38] = [1, −1]`, async () => {
    const x = [[1e30, -1e30]];
    for (const out of [R.layerNorm(x, null), HP.toNumbers(await highPrecisionImpl.layerNorm(highPrecisionImpl.lift(x), null)), await tfImpl.layerNorm(x, null)]) {
      expect(compareNested(out, [[1, -1]], TFJS_VS_REFERENCE.default).ok, JSON.stringify(out)).toBe(true);
    }
    const rms = await tfImpl.rmsNorm([[3e38, -3e38]], { weight: [1, 1] });
    expect(compareNested(rms, R.rmsNorm([[3e38, -3e38]], { weight: [1, 1] }), TFJS_VS_REFERENCE.default).ok, JSON.stringify(rms)).toBe(true);
  });

  it('property: rows of any magnitude from 1e-30 to 3e38 (a shape from a grid, so no row is nearly constant) agree within TFJS_VS_REFERENCE.default', async () => {
    const row = fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 2, maxLength: 8 }).filter((r) => new Set(r).size > 1);
    const args = fc.tuple(row, fc.integer({ min: -30, max: 38 }), fc.double({ min: 1, max: 3.4, noNaN: true }));
    await checkPropertyAsync('LayerNorm over the float32 range', args, async ([shape, e, mantissa]) => {
      const x = [shape.map((s) => Math.fround((s / 8) * mantissa * 10 ** e))];
      const ref = R.layerNorm(x, null);
      const got = await tfImpl.layerNorm(x, null);
      const c = compareNested(got, ref, TFJS_VS_REFERENCE.default);
      expect(c.ok, `${JSON.stringify(x)}: ${c.message}`).toBe(true);
    });
  });
});

describe('rule 3d: angles in float64 on the host', () => {
  it(`RoPE at d = 64 and positions 10^7, 10^8, 10^12 on ${TFJS} equals the reference within TFJS_VS_REFERENCE.rope (it drifted by 7.1e-2 and 0.83); forming p·θ in float32 misses by far more`, async () => {
    const x = [Array.from({ length: 64 }, (_, i) => Math.sin(i + 1))];
    for (const p of [1e7, 1e8, 1e12]) {
      const ref = R.rope(x, { positions: [p] });
      const got = await tfImpl.rope(x, { positions: [p] });
      const c = compareNested(got, ref, TFJS_VS_REFERENCE.rope);
      expect(c.ok, `position ${p}: ${c.message}`).toBe(true);
    }
    // The near-miss the tolerance must reject: the old float32 angle at 10^7.
    const theta = Array.from({ length: 32 }, (_, i) => 1 / Math.pow(10000, (2 * i) / 64));
    const float32Angles = x.map((row) => {
      const out = [...row];
      theta.forEach((t, i) => {
        const a = Math.fround(Math.fround(1e7) * Math.fround(t));
        [out[2 * i], out[2 * i + 1]] = [row[2 * i] * Math.cos(a) - row[2 * i + 1] * Math.sin(a), row[2 * i] * Math.sin(a) + row[2 * i + 1] * Math.cos(a)];
      });
      return out;
    });
    expect(compareNested(float32Angles, R.rope(x, { positions: [1e7] }), TFJS_VS_REFERENCE.rope).ok).toBe(false);
  });

  it(`the sinusoidal encoding at position 10^8 on ${TFJS}: the reference's values rounded once`, async () => {
    const got = await tfImpl.sinusoidalEncoding([1e8, 123456789], 16);
    expect(compareNested(got, R.sinusoidalEncoding([1e8, 123456789], 16), TFJS_VS_REFERENCE.positionalEncoding).ok).toBe(true);
  });
});

describe('rule 3e: model logits beyond float32 are refused on both backends; a 3e38 weight no longer moves tfjs’s argmax', () => {
  const config = join(PROJECT_ROOT, 'examples', 'tinygpt.config.json');
  /** The fixture's TinyGPT weights with some entries of one tensor set to 3e38. */
  function withHugeWeights(name: string, tensor: string, from: number, to: number): string {
    const stateDict = new Map<string, SafeTensor>();
    for (const [k, t] of readSafetensors(join(PROJECT_ROOT, 'fixtures', 'models', 'tinygpt.safetensors')).tensors) if (k.startsWith('param.')) stateDict.set(k.slice('param.'.length), t);
    const t = stateDict.get(tensor)!;
    const data = new Float32Array(t.data as Float32Array);
    data.fill(3e38, from, to);
    stateDict.set(tensor, { ...t, data });
    const path = join(dir, name);
    writeSafetensors(path, stateDict);
    return path;
  }
  const forward = (weights: string, backend: string) => ['forward', '--model', 'tinygpt', '--config', config, '--weights', weights, '--tokens', '[1,2,3,4]', '--backend', backend, '--json'];

  it('one weight of 3e38 in the FFN: the residual stream reaches ~1e38 and both backends give the same logits to float32 rounding', async () => {
    const path = withHugeWeights('ffn.safetensors', 'blocks.0.ff.net.2.weight', 5, 6);
    const [ref, tfr] = await Promise.all(['reference', 'tfjs'].map(async (b) => JSON.parse((await cli(...forward(path, b))).stdout) as { logits: number[][] }));
    const argmax = (z: number[]) => z.indexOf(Math.max(...z));
    expect(tfr.logits.map(argmax)).toEqual(ref.logits.map(argmax));
    expect(compareNested(tfr.logits, ref.logits, { atol: 1e-4, rtol: 1e-4 }).ok).toBe(true);
  });

  it('a row of 3e38 in the output head: logits past float32 — exit 2 with Float32RangeError on both backends', async () => {
    const path = withHugeWeights('head.safetensors', 'lm_head.weight', 0, 32);
    await expectUsageFailure(forward(path, 'reference'), /^error: logits\[\d+\]\[0\] = [\d.]+e\+38 is beyond float32's range/);
    await expectUsageFailure(forward(path, 'tfjs'), /^error: logits\[\d+\]\[\d+\]\[0\] came back as (NaN|Infinity|-Infinity) from finite inputs: float32 overflowed/);
  });
});

describe('rule 3f: temperature → 0 is the same limit on every implementation', () => {
  it(`T = 1e-300: the distribution is the argmax (ties shared) on the reference and on ${TFJS}`, async () => {
    for (const z of [[2.5, -1, 0.3], [1, 3, 3, -2]]) {
      const ref = samplingDistribution(z, { temperature: 1e-300 });
      const t = tfSamplingDistribution(tf.tensor1d(z), { temperature: 1e-300 });
      const got = Array.from(await t.data());
      t.dispose();
      expect(compareNested(got, ref, EXACT.reference).ok, `${got} vs ${ref}`).toBe(true);
    }
  });

  it('generate --temperature 1e-300 gives the same text on both backends (it failed on tfjs)', async () => {
    const args = ['generate', '--model', 'tinygpt', '--config', join(PROJECT_ROOT, 'examples', 'tinygpt.config.json'), '--weights', join(PROJECT_ROOT, 'fixtures', 'models', 'tinygpt.safetensors'), '--prompt', 'Jal', '--temperature', '1e-300', '--max-new-tokens', '8', '--json'];
    const [ref, tfr] = await Promise.all([cli(...args), cli(...args, '--backend', 'tfjs')]);
    expect([ref.code, tfr.code], tfr.stderr).toEqual([0, 0]);
    expect(JSON.parse(tfr.stdout).tokens).toEqual(JSON.parse(ref.stdout).tokens);
  });
});

describe('rule 4: a non-finite tfjs result is refused when read back', () => {
  it(`${TFJS}: [3e38, 3e38]·[1, 1]ᵀ overflows on the device; the adapter refuses it by name and leaks nothing`, async () => {
    const before = tf.memory().numTensors;
    await expectRejects(() => tfImpl.matMul([[3e38, 3e38]], [[1], [1]]), Float32RangeError, 'OUT_OF_RANGE', /^matMul\[0\]\[0\] came back as Infinity from finite inputs/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => checkReadBack([[0, -Infinity]], 'masked', { allowNegInf: true })).not.toThrow();
  });
});

describe('properties near the float32 limit', () => {
  const float32 = fc.float({ noNaN: true, noDefaultInfinity: true });
  const rows = fc.array(fc.array(fc.oneof({ weight: 9, arbitrary: float32 }, { weight: 1, arbitrary: fc.constant(-Infinity) }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });

  it(`softmax of logits anywhere in float32 (±3.4e38, subnormals, −∞): ${TFJS} agrees with the reference within TFJS_VS_REFERENCE.softmax`, async () => {
    await checkPropertyAsync('softmax over the float32 range', rows, async (raw) => {
      const width = Math.min(...raw.map((r) => r.length));
      const x = raw.map((r) => r.slice(0, width));
      const c = compareNested(await tfImpl.softmax(x), R.softmax(x), TFJS_VS_REFERENCE.softmax);
      expect(c.ok, `${JSON.stringify(x)}: ${c.message}`).toBe(true);
    });
  });

  it(`attention on inputs anywhere in float32: the reference and ${TFJS} both refuse (the same Float32RangeError) or both answer, and ${TFJS}'s answer is finite, rows of weights sum to 1, outputs lie between the smallest and largest value of V`, async () => {
    const matrix = (n: number, d: number) => fc.array(fc.array(float32, { minLength: d, maxLength: d }), { minLength: n, maxLength: n });
    const args = fc.record({ n: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 4 }) }).chain(({ n, d }) => fc.tuple(matrix(n, d), matrix(n, d), matrix(n, 2)));
    await checkPropertyAsync('attention over the float32 range', args, async ([q, k, v]) => {
      const refError = await thrown(() => R.scaledDotProductAttention(q, k, v));
      let tfr: { weights: number[][]; output: number[][] } | undefined;
      const tfError = await thrown(async () => (tfr = await tfImpl.scaledDotProductAttention(q, k, v, { steps: true })));
      expect(tfError?.constructor, `${refError?.message} | ${tfError?.message}`).toBe(refError?.constructor);
      if (refError) {
        expect(tfError?.message).toBe(refError.message);
        return;
      }
      for (const row of tfr!.weights) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(TFJS_VS_REFERENCE.softmax.atol * row.length);
      for (let c = 0; c < 2; c++) {
        const col = v.map((r) => r[c]);
        const [lo, hi] = [Math.min(...col), Math.max(...col)];
        const slack = TFJS_VS_REFERENCE.attention.atol + TFJS_VS_REFERENCE.attention.rtol * Math.max(Math.abs(lo), Math.abs(hi));
        for (const row of tfr!.output) expect(row[c] >= lo - slack && row[c] <= hi + slack, `${row[c]} not in [${lo}, ${hi}]`).toBe(true);
      }
    });
  });

  it(`activations (ReLU, GELU, tanh-GELU, SiLU, tanh) anywhere in float32: ${TFJS} agrees with the reference within TFJS_VS_REFERENCE.default`, async () => {
    const args = fc.tuple(fc.array(float32, { minLength: 1, maxLength: 16 }), fc.constantFrom<Activation>('relu', 'gelu', 'gelu-tanh', 'silu', 'tanh'));
    await checkPropertyAsync('activations over the float32 range', args, async ([x, kind]) => {
      const c = compareNested(await tfImpl.activation([x], kind), R.activation([x], kind), TFJS_VS_REFERENCE.default);
      expect(c.ok, `${kind} ${JSON.stringify(x)}: ${c.message}`).toBe(true);
    });
  });
});

describe('attention returns its output; the steps are opt-in (same name and option on both implementations)', () => {
  const q = [[1, 0], [0, 1]];
  it(`${TFJS}: without steps one tensor comes back, and disposing it leaves nothing; with steps: true, the five`, () => {
    const before = tf.memory().numTensors;
    const [tq, tk] = [tf.tensor2d(q), tf.tensor2d(q)];
    const out = T.scaledDotProductAttention(tq, tk, tk);
    expect(out).toBeInstanceOf(tf.Tensor);
    expect(tf.memory().numTensors).toBe(before + 3);
    out.dispose();
    const steps = T.scaledDotProductAttention(tq, tk, tk, { steps: true });
    expect(Object.keys(steps)).toEqual(['scores', 'scaled', 'masked', 'weights', 'output']);
    tf.dispose([...Object.values(steps), tq, tk]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the reference: the output matrix, or the five steps; the output is the same either way', () => {
    const out = R.scaledDotProductAttention(q, q, q);
    const steps = R.scaledDotProductAttention(q, q, q, { steps: true });
    expect(Object.keys(steps)).toEqual(['scores', 'scaled', 'masked', 'weights', 'output']);
    expect(out).toEqual(steps.output);
  });
});
