/**
 * Input checks for the tfjs implementation. They mirror src/core/shape.ts for tensors and throw the
 * same named errors. Finiteness is checked on the values (one small reduction and a sync), because
 * a NaN that slips into a softmax spreads silently through everything after it.
 *
 * Except on WebGPU: there a synchronous read-back (dataSync/arraySync) returns zeros and loses the
 * device, so a tfjs op cannot look at its input's values. On that backend the finiteness check is
 * the host's: the op registry's adapter (src/ops/implementations.ts) checks every argument before
 * it uploads it, and checks every result when it reads it back (src/core/numeric-conventions.ts,
 * rules 1 and 4). A tfjs op called directly on webgpu with a NaN inside its tensor is therefore not
 * refused by the op itself: the named backend difference "webgpu: no device-side input check".
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArgumentError, NonFiniteError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';

export function assertTensor(x: unknown, name: string): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new ArgumentError(`${name} must be a tf.Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new ArgumentError(`${name} has already been disposed`);
}

export function assertRankAtLeast(x: tf.Tensor, rank: number, name: string): void {
  if (x.rank < rank) throw new ShapeError(`${name} must have rank ≥ ${rank}, got shape ${formatShape(x.shape)}`, 'BAD_RANK');
  if (x.shape.some((d) => d === 0)) throw new ShapeError(`${name} must not be empty, got shape ${formatShape(x.shape)}`);
}

/** Backends whose synchronous read-back is unusable (returns zeros and loses the device). */
const NO_SYNCHRONOUS_READ = new Set(['webgpu']);

/** Whether a tfjs op may read a tensor synchronously on the current backend. */
export const canReadSynchronously = (): boolean => !NO_SYNCHRONOUS_READ.has(tf.getBackend());

/** Rejects NaN and +∞; −∞ passes only when `allowNegInf` (masked logits). On webgpu: see the header. */
export function assertFinite(x: tf.Tensor, name: string, allowNegInf = false): void {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new ArgumentError(`${name} must be float32 or int32, got ${x.dtype}`);
  if (!canReadSynchronously()) return; // checked on the host instead (see the header)
  const bad = tf.tidy(() => {
    const f = tf.cast(x, 'float32');
    const ok = allowNegInf ? tf.logicalOr(tf.isFinite(f), tf.equal(f, tf.scalar(-Infinity))) : tf.isFinite(f);
    return tf.any(tf.logicalNot(ok)).dataSync()[0];
  });
  if (bad) {
    const values = x.dataSync();
    const idx = values.findIndex((v) => !(Number.isFinite(v) || (allowNegInf && v === -Infinity)));
    throw new NonFiniteError(`${name} contains ${values[idx]} at flat index ${idx}; inputs must be finite${allowNegInf ? ' (or −∞ for masked entries)' : ''}`);
  }
}
