/**
 * The decoding filters' edge conventions, run by `npx vitest run spec/sampling` itself (tested
 * before only in spec/errors/numerics.spec.ts, rule 3f): temperature → 0 is the same limit on every
 * implementation — T = 1e-300 gives the argmax, ties sharing the mass — instead of 0/0 or an
 * overflow in float32 (src/tfjs/sampling.ts scales such a row as (z − max z)/T). Shapes: logits (V).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { compareNested, EXACT } from '../../src/core/tolerance.js';
import { samplingDistribution } from '../../src/reference/sampling.js';
import '../../src/tfjs/index.js';
import { samplingDistribution as tfSamplingDistribution } from '../../src/tfjs/sampling.js';
import { backendReport } from '../_helpers/setup.js';

describe(`temperature → 0 on the reference and tfjs (${backendReport.choice})`, () => {
  it('T = 1e-300: [2.5, −1, 0.3] → [1, 0, 0]; [1, 3, 3, −2] → [0, ½, ½, 0] (ties share the mass), on both', () => {
    for (const [z, want] of [[[2.5, -1, 0.3], [1, 0, 0]], [[1, 3, 3, -2], [0, 0.5, 0.5, 0]]]) {
      const ref = samplingDistribution(z, { temperature: 1e-300 });
      expect(compareNested(ref, want, EXACT.reference).ok, `reference ${ref}`).toBe(true);
      const got = tf.tidy(() => Array.from(tfSamplingDistribution(tf.tensor1d(z), { temperature: 1e-300 }).dataSync()));
      expect(compareNested(got, want, EXACT.reference).ok, `tfjs ${got}`).toBe(true);
    }
  });
});
