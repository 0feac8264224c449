/**
 * The fused wasm kernels of the training path (src/tfjs/training/kernels/training-kernels.ts, written in
 * assembly/training-kernels.ts). They replace composite ops that are themselves tested
 * (spec/blocks/training-ops.spec.ts, and against PyTorch in spec/training/training-run.spec.ts),
 * so each is held here to its composite counterpart — run side by side with
 * withoutFusedKernels — and, where there is a closed form, to the float64 formula:
 *
 *   values      TFJS_VS_REFERENCE.default    float32, a different summation order than the composite
 *   attention   TFJS_VS_REFERENCE.attention  two products and a softmax, different orders
 *   gradients   TFJS_VS_REFERENCE.gradient   gradients chain the forward rounding
 *   transpose, AdamW   bitwise                 copies / the same float32 operations in the same order
 *
 * The kernels exist only on the wasm backend, so this file switches to wasm for its specs and back
 * afterwards; it runs the same way in the suite's cpu pass. Shapes with odd sizes exercise the
 * scalar tails after the 4-lane loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/random.js';
import { compareNested, TFJS_VS_REFERENCE, type Tolerance } from '../../src/core/tolerance.js';
import { setWasmBackendThreaded } from '../../src/core/wasm-threads.js';
import { gelu } from '../../src/reference/activations.js';
import { float64 } from '../../src/reference/field.js';
import '../../src/tfjs/index.js';
import { createAdamW } from '../../src/tfjs/adamw.js';
import { FUSED_KERNELS_ENV, fusedAttention, fusedColumnSum, fusedDropoutMask, fusedKernelsActive, rereadFusedKernelsEnv, fusedKernelStatus, fusedTranspose, withoutFusedKernels } from '../../src/tfjs/training/kernels/training-kernels.js';
import { TRAINING_KERNELS_PLAIN, TRAINING_KERNELS_SHARED } from '../../src/tfjs/training/kernels/training-kernels.wasm.js';
import { dropoutMask } from '../../src/core/random.js';
import { attentionForTraining, dropoutMaskTensor, selfAttentionForTraining, geluForTraining, layerNormForTraining } from '../../src/tfjs/training/training-ops.js';
import { wasmSections } from '../_helpers/wasm-binary.js';
import { uniformTensor } from '../_helpers/tensors.js';

const rng = seededRng(20261124);
const tensor = (shape: number[], scale = 1) => uniformTensor(rng, shape, scale);
const nested = (t: tf.Tensor) => t.arraySync() as number[];

/** `f` on wasm with the fused kernels, then with the composite ops: values, and gradients of Σ w·f (w fixed, random). */
function expectFusedMatchesComposite(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], valueTol: Tolerance): void {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const run = () => {
      const y = f(...inputs);
      const w = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
      return [y, ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs)];
    };
    expect(fusedKernelsActive()).toBe(true);
    const fused = run();
    const composite = withoutFusedKernels(run);
    fused.forEach((t, i) => {
      expect(t.shape, `output ${i} shape`).toEqual(composite[i].shape);
      const c = compareNested(nested(t), nested(composite[i]), i === 0 ? valueTol : TFJS_VS_REFERENCE.gradient);
      expect(c.ok, `${i === 0 ? 'value' : `gradient ${i - 1}`}: ${c.message}`).toBe(true);
    });
  });
  expect(tf.memory().numTensors).toBe(before);
}

describe('fused training kernels (wasm, src/tfjs/training/kernels/training-kernels.ts)', () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (previous !== 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (previous !== 'wasm') await setWasmBackendThreaded(1);
    fusedKernelStatus(); // starts the kernels (and the sharing Identity) before any spec, so each can run alone
  });
  afterAll(async () => {
    if (previous !== 'wasm') await tf.setBackend(previous);
  });

  it('both binaries import only env.memory (plain, resp. shared), have no data segment and no start function, and export the ten kernels', () => {
    for (const [name, base64, shared] of [['plain', TRAINING_KERNELS_PLAIN, false], ['shared', TRAINING_KERNELS_SHARED, true]] as const) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const m = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.imports(m), name).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(m).filter((e) => e.kind === 'function').map((e) => e.name).sort(), name).toEqual(
        ['adamw', 'attentionBackward', 'attentionForward', 'columnSum', 'dropoutMask', 'geluBackward', 'geluForward', 'layerNormBackward', 'layerNormForward', 'transpose2d'],
      );
      const sections = wasmSections(bytes);
      expect(sections.ids.filter((id) => id === 8 || id === 11 || id === 12), `${name}: start (8), data (11), data count (12) sections`).toEqual([]);
      expect(sections.memoryImportShared, `${name}: memory import declared shared`).toBe(shared);
    }
  });

  it('are active on wasm; off on another backend and with TRANSFORMER_SPEC_FUSED_KERNELS=off, and fusedKernelStatus says why', async () => {
    expect(fusedKernelStatus()).toEqual({ on: true, reason: 'wasm backend' });
    expect(withoutFusedKernels(() => fusedKernelsActive())).toBe(false);
    process.env[FUSED_KERNELS_ENV] = 'off';
    expect(fusedKernelsActive()).toBe(true); // read once, until rereadFusedKernelsEnv
    rereadFusedKernelsEnv();
    try {
      expect(fusedKernelsActive()).toBe(false);
      expect(fusedKernelStatus()).toEqual({ on: false, reason: 'TRANSFORMER_SPEC_FUSED_KERNELS=off' });
    } finally {
      delete process.env[FUSED_KERNELS_ENV];
      rereadFusedKernelsEnv();
    }
    await tf.setBackend('cpu');
    try {
      expect(fusedKernelStatus()).toEqual({ on: false, reason: 'backend cpu (the fused kernels are wasm kernels)' });
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('attention (causal and not, with and without a dropout mask, hs = 8 and the odd 5) matches the composite ops in value and in the gradients of q, k, v', () => {
    for (const [B, T, H, hs] of [[2, 6, 3, 8], [3, 5, 2, 5]]) {
      for (const causal of [true, false]) {
        for (const dropout of [undefined, { p: 0.25, seed: 77 }]) {
          const qkv = [tensor([B, T, H * hs], 2), tensor([B, T, H * hs], 2), tensor([B, T, H * hs])];
          expectFusedMatchesComposite((q, k, v) => attentionForTraining(q, k, v, H, { causal, dropout }), qkv, TFJS_VS_REFERENCE.attention);
          tf.dispose(qkv);
        }
      }
    }
  });

  it('self-attention from one packed q/k/v projection (B·T × 3C) matches three projections and the composite ops, in value and in the gradients of x and every head weight', () => {
    const [B, T, H, hs, C] = [2, 5, 3, 4, 10];
    const inputs = [tensor([B, T, C], 2), ...Array.from({ length: 3 * H }, () => tensor([hs, C], 0.5))];
    for (const causal of [true, false]) {
      expectFusedMatchesComposite(
        (x, ...w) => selfAttentionForTraining(x, { query: w.slice(0, H), key: w.slice(H, 2 * H), value: w.slice(2 * H) }, { causal, dropout: { p: 0.2, seed: 3 } }),
        inputs,
        TFJS_VS_REFERENCE.attention,
      );
    }
    tf.dispose(inputs);
  });

  it('attention: a causal kernel differs from the composite without the mask beyond the attention tolerance (the comparison can fail)', () => {
    tf.tidy(() => {
      const [q, k, v] = [tensor([1, 4, 8], 2), tensor([1, 4, 8], 2), tensor([1, 4, 8])];
      const causal = nested(attentionForTraining(q, k, v, 2, { causal: true }));
      const full = withoutFusedKernels(() => nested(attentionForTraining(q, k, v, 2, { causal: false })));
      expect(compareNested(causal, full, TFJS_VS_REFERENCE.attention).ok).toBe(false);
    });
  });

  it('attention: the dropout mask multiplies the weights after the softmax, in the B × H × Tq × Tk layout of dropoutMask', () => {
    tf.tidy(() => {
      const [B, T, H, hs] = [1, 3, 2, 4];
      const [q, k] = [tensor([B * T, H * hs]), tensor([B * T, H * hs])];
      const v = tf.tensor2d(Array.from({ length: B * T }, (_, j) => Array.from({ length: H * hs }, (_, c) => (c % hs === 0 ? (j === 0 ? 1 : 0) : 0)))); // picks weight (i, j = 0) of each head
      const mask = tf.tensor(dropoutMask(B * H * T * T, 0.5, 5), [B, H, T, T]);
      const dims = { B, H, Tq: T, Tk: T, hs, scale: 1 / Math.sqrt(hs), causal: true };
      const withMask = fusedAttention(q, k, v, mask, dims).arraySync() as number[][];
      const without = fusedAttention(q, k, v, null, dims).arraySync() as number[][];
      const m = mask.arraySync() as number[][][][];
      for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) expect(withMask[i][h * hs]).toBeCloseTo(without[i][h * hs] * m[0][h][i][0], 6);
    });
  });

  it('layer norm (C = 128 and the odd C = 7, token spreads 0.1 to 4) matches the composite ops in value and in the gradients of x, γ, β', () => {
    for (const C of [128, 7]) {
      const inputs = [tf.tidy(() => tf.mul(tensor([3, 5, C]), tf.tensor([0.1, 0.5, 1, 2, 4], [1, 5, 1]))), tensor([C], 1.5), tensor([C], 0.5)];
      expectFusedMatchesComposite((x, w, b) => layerNormForTraining(x, { weight: w, bias: b }), inputs, TFJS_VS_REFERENCE.default);
      tf.dispose(inputs);
    }
  });

  it('GELU (3,201 points of [−8, 8], an odd count) is x·Φ(x) and its derivative Φ(x) + x·φ(x) of the float64 formula within the policy', () => {
    const xs = Array.from({ length: 3201 }, (_, i) => -8 + i / 200);
    const [value, grad] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [Array.from(geluForTraining(x).dataSync()), Array.from(tf.grad((t: tf.Tensor) => tf.sum(geluForTraining(t)))(x).dataSync())];
    });
    const cdf = (x: number) => (1 + float64.erf(x * Math.SQRT1_2)) / 2;
    const v = compareNested(value, xs.map((x) => gelu([[x]])[0][0]), TFJS_VS_REFERENCE.default);
    const g = compareNested(grad, xs.map((x) => cdf(x) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI)), TFJS_VS_REFERENCE.default);
    expect(v.ok, v.message).toBe(true);
    expect(g.ok, g.message).toBe(true);
  });

  it('GELU: the forward pass is bitwise the composite one (the same rational erf, operation for operation); far tails give ≈0 and x', () => {
    tf.tidy(() => {
      const x = tf.concat([tensor([4099], 6), tf.tensor1d([-100, -30, 30, 100, 0])]);
      const fused = geluForTraining(x).dataSync();
      const composite = withoutFusedKernels(() => geluForTraining(x).dataSync());
      expect(Array.from(fused)).toEqual(Array.from(composite));
      const [m100, m30, p30, p100, zero] = Array.from(fused.slice(-5));
      expect(Math.abs(m100)).toBeLessThan(1e-5); // Φ(−100) is below float32's resolution near 0 after the ±4 clamp of erf's argument
      expect(Math.abs(m30)).toBeLessThan(1e-5);
      expect([p30, p100, zero]).toEqual([30, 100, 0]);
    });
  });

  it('transpose of 2-D float32 matrices (4 × 4 tiles and ragged edges) is bitwise tf.transpose; other dtypes are refused by name', () => {
    tf.tidy(() => {
      for (const shape of [[512, 128], [37, 53], [4, 4], [1, 9], [9, 1]]) {
        const x = tensor(shape);
        expect(Array.from(fusedTranspose(x).dataSync()), `[${shape}]`).toEqual(Array.from(tf.transpose(x).dataSync()));
        expect(fusedTranspose(x).shape).toEqual([shape[1], shape[0]]);
      }
      expect(() => fusedTranspose(tf.tensor2d([[1, 2]], [1, 2], 'int32'))).toThrow(/TransformerSpecTranspose2D: input x must be float32, got int32/);
    });
  });

  it('dropout masks drawn in wasm are bitwise the host mulberry32 masks (p = 0.1, 0.5, 0.9; seeds 0, −7, 2³¹ − 1, 2³² + 5), and the tensor path uses them', () => {
    tf.tidy(() => {
      for (const p of [0.1, 0.5, 0.9]) {
        for (const seed of [0, -7, 2 ** 31 - 1, 2 ** 32 + 5]) {
          const host = dropoutMask(1001, p, seed);
          expect(Array.from(fusedDropoutMask([7, 11, 13], p, seed | 0).dataSync()), `p ${p}, seed ${seed}`).toEqual(Array.from(host));
          expect(Array.from(dropoutMaskTensor([1001], p, seed).dataSync())).toEqual(Array.from(host));
        }
      }
      expect(() => dropoutMaskTensor([3], 1, 1)).toThrow(/dropout probability must be in \[0, 1\)/);
    });
  });

  it('column sums (the bias gradient) of (37 × 7) and (512 × 128) matrices match the float64 sums within the policy', () => {
    tf.tidy(() => {
      for (const [n, c] of [[37, 7], [512, 128]]) {
        const x = tensor([n, c], 3);
        const rows = x.arraySync() as number[][];
        const exact = rows[0].map((_, j) => rows.reduce((acc, row) => acc + row[j], 0));
        const got = Array.from(fusedColumnSum(x).dataSync());
        const cmp = compareNested(got, exact, TFJS_VS_REFERENCE.default);
        expect(cmp.ok, `[${n} × ${c}]: ${cmp.message}`).toBe(true);
      }
    });
  });

  it('Identity (tf.clone, and every tensor a gradient saves) shares the data by reference count instead of copying it; the clone outlives its source', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tensor([64, 8]);
    const values = Array.from(x.dataSync());
    const before = backend.numDataIds();
    const copy = withoutFusedKernels(() => tf.clone(x));
    expect(backend.numDataIds(), 'stock wasm Identity copies').toBe(before + 1);
    const shared = tf.clone(x);
    expect(backend.numDataIds(), 'shared Identity adds no buffer').toBe(before + 1);
    x.dispose();
    expect(Array.from(shared.dataSync())).toEqual(values);
    expect(Array.from(copy.dataSync())).toEqual(values);
    tf.dispose([shared, copy]);
    expect(backend.numDataIds()).toBe(before - 1);
  });

  it('AdamW: 5 steps over mixed-size variables are bitwise the composite update (parameters and both moments)', () => {
    const shapes = [[7, 5], [13], [3, 3, 3]];
    const runSteps = () => {
      const local = seededRng(99);
      const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => local.uniform(-1, 1)), s), true, `fused-adamw-${i}`)));
      const opt = createAdamW(vars, { lr: 0.01, weightDecay: 0.1 });
      for (let step = 0; step < 5; step++) {
        const grads = shapes.map((s) => tf.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => local.uniform(-2, 2)), s));
        opt.apply(grads);
        tf.dispose(grads);
      }
      const { m, v } = opt.moments();
      const out = [...vars, ...m, ...v].map((t) => Array.from(t.dataSync()));
      opt.dispose();
      tf.dispose(vars);
      return out;
    };
    const before = tf.memory().numTensors;
    const fused = runSteps();
    const composite = withoutFusedKernels(runSteps);
    expect(fused).toEqual(composite);
    expect(tf.memory().numTensors).toBe(before);
  });
});
