/**
 * Every activation, tfjs (float32) against the float64 reference, on a dense grid, at the default
 * elementwise bound TFJS_VS_REFERENCE.default (1e-6 + 1e-5·|expected|) — no looser PyTorch-parity
 * bound, so a wrong constant shows even where it moves a value by ~1e-6.
 *
 * Why a grid and not random draws: a one-digit change of tanh-GELU's 0.044715 (to 0.04472) moves
 * the output by at most 2.9e-6, and by more than the bound only on part of the negative axis
 * (x ≈ −3…−1.3, where the output is small so the relative part of the bound is small too). A grid
 * of step 1/256 over [−8, 8] visits all of it on every run; random draws may not.
 *
 * The activations are the names of src/reference/activations.ts (`Activation`): the spec fails if a
 * new one is added there without being listed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { NonFiniteError } from '../../src/core/errors.js';
import { compareNested, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { tfjsImpl } from '../../src/ops/implementations.js';
import * as R from '../../src/reference/activations.js';
import '../../src/tfjs/index.js';
import * as T from '../../src/tfjs/activations.js';
import { backendReport } from '../_helpers/setup.js';

/** [−8, 8] in steps of 1/256 (4097 points, exact in binary), then values where the functions saturate. */
const tfImpl = tfjsImpl(backendReport);
const grid = [...Array.from({ length: 4097 }, (_, i) => -8 + i / 256), -100, -30, -12, 12, 30, 100];

const KINDS: readonly R.Activation[] = ['relu', 'gelu', 'gelu-tanh', 'silu', 'tanh'];

const named: Record<R.Activation, { reference: (x: number[][]) => number[][]; tfjs: (x: tf.Tensor) => tf.Tensor }> = {
  relu: { reference: R.relu, tfjs: T.relu },
  gelu: { reference: R.gelu, tfjs: T.gelu },
  'gelu-tanh': { reference: R.geluTanh, tfjs: T.geluTanh },
  silu: { reference: R.silu, tfjs: T.silu },
  tanh: { reference: R.tanh, tfjs: T.tanh },
};

function tfjsOnGrid(f: (x: tf.Tensor) => tf.Tensor, xs: number[] = grid): number[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => Array.from(f(tf.tensor2d([xs])).dataSync()));
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe(`activations: tfjs[${backendReport.choice}] vs the float64 reference on a dense grid, at TFJS_VS_REFERENCE.default`, () => {
  it('the list covers every activation the reference knows (the `activation` dispatcher accepts each, and rejects an unknown name on both)', () => {
    for (const kind of KINDS) expect(() => R.activation([[1]], kind)).not.toThrow();
    expect(() => R.activation([[1]], 'swish' as R.Activation)).toThrow(/unknown activation/);
    expect(() => tf.tidy(() => T.activation(tf.tensor2d([[1]]), 'swish' as R.Activation))).toThrow(/unknown activation/);
    expect(Object.keys(named).sort()).toEqual([...KINDS].sort());
  });

  for (const kind of KINDS) {
    it(`${kind}: the named export (${kind === 'gelu-tanh' ? 'geluTanh' : kind}) and activation(x, '${kind}') agree with the reference at every grid point`, () => {
      const expected = named[kind].reference([grid])[0];
      expect(R.activation([grid], kind)[0]).toEqual(expected); // the dispatcher is the named function
      for (const [label, f] of [
        ['named', named[kind].tfjs],
        ['activation()', (x: tf.Tensor) => T.activation(x, kind)],
      ] as const) {
        const cmp = compareNested(tfjsOnGrid(f), expected, TFJS_VS_REFERENCE.default);
        expect(cmp.ok, `${kind} ${label}: ${cmp.message}`).toBe(true);
      }
    });
  }

  it('at float32\'s edges (±3.4e38, ±1e30, subnormals, ±0): within the same bound, and NaN / ±∞ are refused with NonFiniteError on both (the conventions of spec/errors/numerics.spec.ts, here too)', async () => {
    const edges = [3.4e38, -3.4e38, 1e30, -1e30, 1e-40, -1e-40, 1e-45, 0, -0, 30, -30];
    for (const kind of KINDS) {
      const c = compareNested(tfjsOnGrid((x) => T.activation(x, kind), edges), R.activation([edges], kind)[0], TFJS_VS_REFERENCE.default);
      expect(c.ok, `${kind}: ${c.message}`).toBe(true);
      for (const bad of [NaN, Infinity, -Infinity]) {
        expect(() => R.activation([[1, bad]], kind), `reference ${kind} ${bad}`).toThrow(NonFiniteError);
        expect(() => R.activation([[1, bad]], kind), `reference ${kind} ${bad}`).toThrow(`${kind} input[0][1] is ${bad}; inputs must be finite`); // names the activation and the entry
        const e = await tfImpl.activation([[1, bad]], kind).then(() => undefined, (err: unknown) => err);
        expect(e, `tfjs ${kind} ${bad}`).toBeInstanceOf(NonFiniteError);
      }
    }
  });

  it('discrimination: the bound rejects tanh-GELU with 0.04472 for 0.044715 (max effect 2.9e-6), and erf-GELU for tanh-GELU', () => {
    const c = 0.04472;
    const nearMiss = grid.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + c * x ** 3))));
    expect(compareNested(nearMiss, R.geluTanh([grid])[0], TFJS_VS_REFERENCE.default).ok).toBe(false);
    expect(compareNested(R.gelu([grid])[0], R.geluTanh([grid])[0], TFJS_VS_REFERENCE.default).ok).toBe(false);
  });
});
