/**
 * Every dropout of the project is inverted dropout: each entry kept with probability 1 − p and
 * scaled by 1/(1 − p), so E[dropout(x)] = x (Srivastava et al. 2014; PyTorch's nn.Dropout). Each
 * implementation's mask is read off its own output on x = 1 and checked for what a mask must be —
 * entries in {0, 1/(1 − p)} and a mean within a stated binomial bound of 1
 * (spec/_helpers/dropout-mask.ts derives the 5σ bound) — instead of against a mask drawn the same
 * way, which would share a missing scale.
 *
 *   src/core/random.ts dropoutMask                the host mask every path draws from
 *   src/reference/dropout.ts dropout              float64
 *   src/tfjs/dropout.ts dropout                   float32, host mask uploaded
 *   src/tfjs/training/training-ops.ts             dropoutForTraining / dropoutMaskTensor: the host
 *                                                 mask (composite ops), or the fused wasm kernel's
 *                                                 DropoutMask when the fused kernels are active
 * The LoRA branch dropout has its own spec in spec/peft (lora-dropout.spec.ts).
 * Shapes: x (n × C) for the reference; any shape for tfjs (a mask of the same shape).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropoutMask } from '../../src/core/random.js';
import { setWasmBackendThreaded } from '../../src/core/wasm-threads.js';
import { dropout as referenceDropout } from '../../src/reference/dropout.js';
import '../../src/tfjs/index.js';
import { dropout as tfjsDropout } from '../../src/tfjs/dropout.js';
import { fusedDropoutMask, fusedKernelsActive, fusedKernelStatus, withoutFusedKernels } from '../../src/tfjs/training/kernels/training-kernels.js';
import { dropoutForTraining, dropoutMaskTensor } from '../../src/tfjs/training/training-ops.js';
import { expectInvertedDropoutMask } from '../_helpers/dropout-mask.js';

/** Drop probabilities: small, middling and large, none 1/2 (where keeping with p instead of 1 − p would go unseen by the mean). */
const PS = [0.1, 0.3, 0.7];
const SEEDS = [11, 2 ** 31 - 1];
/** 200 × 500 = 10⁵ entries: 5σ at p = 0.1 is 5.3e-3. */
const [ROWS, COLS] = [200, 500];
const ones = () => Array.from({ length: ROWS }, () => new Array<number>(COLS).fill(1));

function read(f: () => tf.Tensor): Float32Array {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => f().dataSync() as Float32Array);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return out;
}

describe('dropout masks: every entry 0 or 1/(1 − p), mean within 5σ of 1 (10⁵ entries; p = 0.1, 0.3, 0.7)', () => {
  for (const p of PS) {
    for (const seed of SEEDS) {
      it(`p = ${p}, seed ${seed}: the host mask (core dropoutMask), the float64 reference dropout and tfjs dropout on x = 1`, () => {
        expectInvertedDropoutMask(dropoutMask(ROWS * COLS, p, seed), p, 'float32', 'core dropoutMask');
        expectInvertedDropoutMask(referenceDropout(ones(), p, { training: true, seed }).flat(), p, 'float64', 'reference dropout');
        expectInvertedDropoutMask(read(() => tfjsDropout(tf.ones([ROWS, COLS]), p, { training: true, seed })), p, 'float32', 'tfjs dropout');
      });

      it(`p = ${p}, seed ${seed}: the training path's dropoutForTraining and dropoutMaskTensor with the composite ops (host mask)`, () => {
        withoutFusedKernels(() => {
          expectInvertedDropoutMask(read(() => dropoutForTraining(tf.ones([4, 50, 500]), p, seed)), p, 'float32', 'dropoutForTraining (composite)');
          expectInvertedDropoutMask(read(() => dropoutMaskTensor([2, 5, 100, 100], p, seed)), p, 'float32', 'dropoutMaskTensor (composite)');
        });
      });
    }
  }

  it('evaluation mode and p = 0 are the identity on every implementation (no scaling either)', () => {
    const x = [[1, -2, 3]];
    expect(referenceDropout(x, 0.3, { training: false })).toEqual(x);
    expect(referenceDropout(x, 0, { training: true, seed: 1 })).toEqual(x);
    expect(Array.from(read(() => tfjsDropout(tf.tensor2d(x), 0.3, { training: false })))).toEqual(x[0]);
    expect(Array.from(read(() => dropoutForTraining(tf.tensor2d(x), 0, 1)))).toEqual(x[0]);
  });
});

describe('the fused wasm kernel\'s dropout mask (DropoutMask): every entry 0 or 1/(1 − p), mean within 5σ of 1', () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (previous !== 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (previous !== 'wasm') await setWasmBackendThreaded(1);
    fusedKernelStatus();
  });
  afterAll(async () => {
    if (previous !== 'wasm') await tf.setBackend(previous);
  });

  for (const p of PS) {
    for (const seed of SEEDS) {
      it(`p = ${p}, seed ${seed}: fusedDropoutMask, and dropoutForTraining / dropoutMaskTensor while the kernels are active`, () => {
        expect(fusedKernelsActive()).toBe(true);
        expectInvertedDropoutMask(read(() => fusedDropoutMask([10, 100, 100], p, seed | 0)), p, 'float32', 'fusedDropoutMask');
        expectInvertedDropoutMask(read(() => dropoutMaskTensor([10, 100, 100], p, seed)), p, 'float32', 'dropoutMaskTensor (fused)');
        expectInvertedDropoutMask(read(() => dropoutForTraining(tf.ones([10, 100, 100]), p, seed)), p, 'float32', 'dropoutForTraining (fused)');
      });
    }
  }
});
