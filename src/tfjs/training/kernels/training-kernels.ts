/**
 * Fused kernels for the training path on the wasm backend.
 *
 * tfjs-backend-wasm runs each op as its own kernel; for the small tensors of a TinyGPT step most
 * of them are scalar loops (batched products with small matrices, exp, transposes), and the
 * composite ops of src/tfjs/training/training-ops.ts take dozens of them. The kernels here do the same
 * arithmetic in one pass each, written in AssemblyScript with WebAssembly SIMD
 * (assembly/training-kernels.ts, compiled by scripts/build-kernels.ts into
 * ./training-kernels.wasm.ts):
 *
 *   attention    P = softmax(scale·q kᵀ, causal), y = (P ⊙ dropout mask) v, all heads, read and
 *                written in the projections' (B·T × H·hs) layout — no head transposes — from
 *                three projections or one packed (B·T × 3·H·hs) one; backward ∂q, ∂k, ∂v from P
 *   layer norm   y, x̂, 1/σ in one pass; backward ∂x, ∂γ, ∂β in one pass
 *   GELU         x Φ(x) with the same rational erf as training-ops' erfRational; backward ∂x
 *   AdamW        the update of src/tfjs/adamw.ts over the flat vector, same float32 operations
 *   and          transpose (4 × 4 tiles), column sums, dropout masks (the host's mulberry32
 *                stream, bitwise), row concat/split (memmove; SplitV copies its whole input
 *                once per piece), and an Identity that shares data instead of copying it
 *
 * The module runs inside the wasm backend's own memory: it imports tfjs's WebAssembly.Memory
 * and every argument is a tensor's offset in it, so no data is copied. It has no data segment
 * and no start function (spec/blocks/fused-kernels.spec.ts reads the binary to check), so
 * instantiating it writes nothing into tfjs's heap. Outputs are allocated by the backend
 * (makeOutput) and owned by the engine like any kernel's outputs.
 *
 * Used only when the active backend is wasm; any other backend (cpu, native, GPU) runs the
 * composite ops. TRANSFORMER_SPEC_FUSED_KERNELS=off turns them off on wasm too (to compare, or
 * to rule them out). Values: each is held to its composite counterpart and to the float64
 * formula in spec/blocks/fused-kernels.spec.ts; the training path as a whole to PyTorch's
 * gradients in spec/training/training-run.spec.ts.
 */
import { ArgumentError, ShapeError, SpecError } from '../../../core/errors.js';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TRAINING_KERNELS_PLAIN, TRAINING_KERNELS_SHARED } from './training-kernels.wasm.js';

interface KernelExports {
  attentionForward(q: number, k: number, v: number, mask: number, y: number, probs: number, B: number, H: number, Tq: number, Tk: number, hs: number, ld: number, scale: number, causal: number): void;
  attentionBackward(dy: number, q: number, k: number, v: number, probs: number, mask: number, dq: number, dk: number, dv: number, scratch: number, B: number, H: number, Tq: number, Tk: number, hs: number, ld: number, scale: number, causal: number): void;
  layerNormForward(x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, N: number, C: number, eps: number): void;
  layerNormBackward(dy: number, xhat: number, rstd: number, gamma: number, dx: number, dgamma: number, dbeta: number, N: number, C: number): void;
  geluForward(x: number, y: number, n: number): void;
  geluBackward(dy: number, x: number, dx: number, n: number): void;
  transpose2d(x: number, y: number, rows: number, cols: number): void;
  dropoutMask(out: number, n: number, threshold: number, scale: number, seed: number): void;
  columnSum(x: number, out: number, N: number, C: number): void;
  adamw(p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, bc2Sqrt: number, eps: number, decay: number, stepSize: number): void;
}

interface WasmModuleInternals {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** Environment switch: `off` (or 0/false/no) runs the composite ops on wasm too. */
export const FUSED_KERNELS_ENV = 'TRANSFORMER_SPEC_FUSED_KERNELS';

const instances = new WeakMap<object, KernelExports | Error>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const chars = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(chars.length));
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/** tfjs's wasm memory: the threaded build keeps it on the module, the plain build exports it. */
function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const mod = backend.wasm as unknown as WasmModuleInternals;
  const memory = mod.wasmMemory ?? mod.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new SpecError('BACKEND_UNAVAILABLE', 'the wasm backend does not expose its WebAssembly.Memory (tfjs-backend-wasm version changed?)');
  return memory;
}

function instantiate(backend: BackendWasm): KernelExports {
  const memory = memoryOf(backend);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(decode(shared ? TRAINING_KERNELS_SHARED : TRAINING_KERNELS_PLAIN));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

let suspended = 0;

/** Runs f with the fused kernels off (the composite ops run instead), for side-by-side comparisons. */
export function withoutFusedKernels<T>(f: () => T): T {
  suspended += 1;
  try {
    return f();
  } finally {
    suspended -= 1;
  }
}

let envSetting: { value: string | undefined } | undefined;

/** TRANSFORMER_SPEC_FUSED_KERNELS, read once (process.env is slow to read, and this is asked per op); rereadFusedKernelsEnv() reads it again. */
function disabledByEnv(): boolean {
  envSetting ??= { value: typeof process !== 'undefined' ? process.env?.[FUSED_KERNELS_ENV] : undefined };
  const value = envSetting.value;
  return value !== undefined && /^(off|0|false|no)$/i.test(value.trim());
}

/** Reads TRANSFORMER_SPEC_FUSED_KERNELS again (after a program or spec changes it). */
export function rereadFusedKernelsEnv(): void {
  envSetting = undefined;
}

/** Why the fused kernels are or are not used on the active backend (for reports). */
export function fusedKernelStatus(): { on: boolean; reason: string } {
  if (tf.getBackend() !== 'wasm') return { on: false, reason: `backend ${tf.getBackend()} (the fused kernels are wasm kernels)` };
  if (disabledByEnv()) return { on: false, reason: `${FUSED_KERNELS_ENV}=${envSetting?.value}` };
  const k = kernelsFor(tf.backend() as BackendWasm);
  return k instanceof Error ? { on: false, reason: `could not start: ${k.message}` } : { on: true, reason: 'wasm backend' };
}

/**
 * tfjs clones every tensor a gradient saves (customGrad's save, a kernel's inputsToSave) through the
 * Identity kernel, and wasm's Identity copies the data (a training step: ~100 copies, ~6 ms). The
 * wasm backend already shares data between tensors by reference count — its Reshape does, and the
 * cpu backend's Identity does the same — so no kernel may write into an input, and Identity can
 * share too. Installed with the fused kernels; it defers to the stock kernel whenever they are off.
 */
let identityShared = false;
function shareIdentity(): void {
  if (identityShared) return;
  const stock = tf.getKernel(tf.Identity, 'wasm');
  if (!stock) return;
  identityShared = true;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (suspended > 0 || disabledByEnv() || x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

function kernelsFor(backend: BackendWasm): KernelExports | Error {
  let k = instances.get(backend);
  if (!k) {
    try {
      shareIdentity();
      k = instantiate(backend);
    } catch (e) {
      k = e instanceof Error ? e : new Error(String(e));
    }
    instances.set(backend, k);
  }
  return k;
}

/** The kernels for the active backend, or undefined when the composite ops should run. */
function active(): KernelExports | undefined {
  if (suspended > 0 || tf.getBackend() !== 'wasm' || disabledByEnv()) return undefined;
  const k = kernelsFor(tf.backend() as BackendWasm);
  return k instanceof Error ? undefined : k;
}

/** True when the fused kernels run on the active backend. */
export function fusedKernelsActive(): boolean {
  return active() !== undefined;
}

// ------------------------------------------------------------------------------------------
// tfjs kernel registrations (backend 'wasm'): each reads its inputs' offsets, allocates its
// outputs with the backend, and calls the module.

const PREFIX = 'TransformerSpec';
type Attrs = Record<string, number | boolean | number[] | string>;
type KernelBody = (k: KernelExports, backend: BackendWasm, off: (t: tf.TensorInfo | undefined) => number, inputs: Record<string, tf.TensorInfo>, attrs: Attrs) => tf.TensorInfo | tf.TensorInfo[];

function register(name: string, body: KernelBody): string {
  const kernelName = `${PREFIX}${name}`;
  if (!tf.getKernel(kernelName, 'wasm')) {
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as BackendWasm;
        const k = kernelsFor(b);
        if (k instanceof Error) throw k;
        for (const [key, t] of Object.entries(inputs)) if (t && t.dtype !== 'float32') throw new ArgumentError(`${kernelName}: input ${key} must be float32, got ${t.dtype}`);
        const off = (t: tf.TensorInfo | undefined) => {
          if (!t) throw new ArgumentError(`${kernelName}: missing input`);
          return b.getMemoryOffset(t.dataId);
        };
        return body(k, b, off, inputs as Record<string, tf.TensorInfo>, attrs as unknown as Attrs);
      },
    });
  }
  return kernelName;
}

/**
 * Where q, k, v (and ∂q, ∂k, ∂v) live: three (B·T × C) tensors, or the column blocks 0, C, 2C of
 * one packed (B·T × 3C) tensor `qkv` (self-attention from one projection). Returns byte offsets
 * and the row stride in floats.
 */
function qkvLayout(off: (t: tf.TensorInfo | undefined) => number, inputs: Record<string, tf.TensorInfo>, C: number): { q: number; k: number; v: number; ld: number } {
  if (inputs.qkv) {
    const base = off(inputs.qkv);
    return { q: base, k: base + 4 * C, v: base + 8 * C, ld: 3 * C };
  }
  return { q: off(inputs.q), k: off(inputs.k), v: off(inputs.v), ld: C };
}

const ATTENTION_FORWARD = register('AttentionForward', (k, b, off, inputs, a) => {
  const [B, H, Tq, Tk, hs] = [a.B, a.H, a.Tq, a.Tk, a.hs] as number[];
  const { q, k: key, v, ld } = qkvLayout(off, inputs, H * hs);
  const y = b.makeOutput([B * Tq, H * hs], 'float32');
  const probs = b.makeOutput([B, H, Tq, Tk], 'float32');
  k.attentionForward(q, key, v, inputs.mask ? off(inputs.mask) : 0, off(y), off(probs), B, H, Tq, Tk, hs, ld, a.scale as number, a.causal ? 1 : 0);
  return [y, probs];
});

const ATTENTION_BACKWARD = register('AttentionBackward', (k, b, off, inputs, a) => {
  const [B, H, Tq, Tk, hs] = [a.B, a.H, a.Tq, a.Tk, a.hs] as number[];
  const C = H * hs;
  const { q, k: key, v, ld } = qkvLayout(off, inputs, C);
  const outputs = inputs.qkv ? [b.makeOutput([B * Tq, 3 * C], 'float32')] : [b.makeOutput([B * Tq, C], 'float32'), b.makeOutput([B * Tk, C], 'float32'), b.makeOutput([B * Tk, C], 'float32')];
  const d = inputs.qkv ? { dq: off(outputs[0]), dk: off(outputs[0]) + 4 * C, dv: off(outputs[0]) + 8 * C } : { dq: off(outputs[0]), dk: off(outputs[1]), dv: off(outputs[2]) };
  const mod = b.wasm as unknown as WasmModuleInternals;
  const scratch = mod._malloc(Tk * 4);
  try {
    k.attentionBackward(off(inputs.dy), q, key, v, off(inputs.probs), inputs.mask ? off(inputs.mask) : 0, d.dq, d.dk, d.dv, scratch, B, H, Tq, Tk, hs, ld, a.scale as number, a.causal ? 1 : 0);
  } finally {
    mod._free(scratch);
  }
  return outputs;
});

const LAYER_NORM_FORWARD = register('LayerNormForward', (k, b, off, { x, gamma, beta }, a) => {
  const [N, C] = x.shape;
  const y = b.makeOutput([N, C], 'float32');
  const xhat = b.makeOutput([N, C], 'float32');
  const rstd = b.makeOutput([N], 'float32');
  k.layerNormForward(off(x), off(gamma), off(beta), off(y), off(xhat), off(rstd), N, C, a.eps as number);
  return [y, xhat, rstd];
});

const LAYER_NORM_BACKWARD = register('LayerNormBackward', (k, b, off, { dy, xhat, rstd, gamma }) => {
  const [N, C] = dy.shape;
  const dx = b.makeOutput([N, C], 'float32');
  const dgamma = b.makeOutput([C], 'float32');
  const dbeta = b.makeOutput([C], 'float32');
  k.layerNormBackward(off(dy), off(xhat), off(rstd), off(gamma), off(dx), off(dgamma), off(dbeta), N, C);
  return [dx, dgamma, dbeta];
});

const GELU_FORWARD = register('GeluForward', (k, b, off, { x }) => {
  const y = b.makeOutput(x.shape, 'float32');
  k.geluForward(off(x), off(y), tf.util.sizeFromShape(x.shape));
  return y;
});

const GELU_BACKWARD = register('GeluBackward', (k, b, off, { dy, x }) => {
  const dx = b.makeOutput(x.shape, 'float32');
  k.geluBackward(off(dy), off(x), off(dx), tf.util.sizeFromShape(x.shape));
  return dx;
});

const ADAMW = register('AdamW', (k, b, off, { p, g, m, v }, a) => {
  const n = tf.util.sizeFromShape(p.shape);
  const [pOut, mOut, vOut] = [b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32'), b.makeOutput(p.shape, 'float32')];
  k.adamw(off(p), off(g), off(m), off(v), off(pOut), off(mOut), off(vOut), n, a.beta1 as number, a.oneMinusBeta1 as number, a.beta2 as number, a.oneMinusBeta2 as number, a.bc2Sqrt as number, a.eps as number, a.decay as number, a.stepSize as number);
  return [pOut, mOut, vOut];
});

const TRANSPOSE = register('Transpose2D', (k, b, off, { x }) => {
  const [rows, cols] = x.shape;
  const y = b.makeOutput([cols, rows], 'float32');
  k.transpose2d(off(x), off(y), rows, cols);
  return y;
});

/** Row blocks are contiguous in row-major memory: concatenating or splitting along axis 0 is one memmove per block. */
const CONCAT_ROWS = register('ConcatRows', (_k, b, off, inputs) => {
  const parts = Array.from({ length: Object.keys(inputs).length }, (_, i) => inputs[`t${i}`]);
  const cols = parts[0].shape[1];
  if (parts.some((t) => t.shape.length !== 2 || t.shape[1] !== cols)) throw new ShapeError(`${PREFIX}ConcatRows: parts must be 2-D with ${cols} columns, got ${parts.map((t) => `[${t.shape}]`).join(', ')}`);
  const y = b.makeOutput([parts.reduce((n, t) => n + t.shape[0], 0), cols], 'float32');
  const heap = new Uint8Array(memoryOf(b).buffer); // after makeOutput, which may grow the memory
  let dst = off(y);
  for (const t of parts) {
    const bytes = 4 * t.shape[0] * cols;
    heap.copyWithin(dst, off(t), off(t) + bytes);
    dst += bytes;
  }
  return y;
});

/** Consecutive pieces of x, one per shape in attrs.shapes (flattened sizes must add up to x's size). */
const SPLIT = register('SplitFlat', (_k, b, off, { x }, a) => {
  const shapes = JSON.parse(a.shapes as string) as number[][];
  const sizes = shapes.map((s) => tf.util.sizeFromShape(s));
  if (sizes.reduce((n, r) => n + r, 0) !== tf.util.sizeFromShape(x.shape)) throw new ShapeError(`${PREFIX}SplitFlat: pieces of ${sizes.join(' + ')} entries do not add up to ${tf.util.sizeFromShape(x.shape)}`);
  const outputs = shapes.map((s) => b.makeOutput(s, 'float32')); // the pieces' own shapes: the backend records them (tfjs's fused product reads a bias's recorded rank)
  const heap = new Uint8Array(memoryOf(b).buffer); // after makeOutput, which may grow the memory
  let src = off(x);
  outputs.forEach((t, i) => {
    heap.copyWithin(off(t), src, src + 4 * sizes[i]);
    src += 4 * sizes[i];
  });
  return outputs;
});

const COLUMN_SUM = register('ColumnSum', (k, b, off, { x }) => {
  const [N, C] = x.shape;
  const out = b.makeOutput([C], 'float32');
  k.columnSum(off(x), off(out), N, C);
  return out;
});

const DROPOUT_MASK = register('DropoutMask', (k, b, _off, _inputs, a) => {
  const shape = a.shape as number[];
  const p = a.p as number;
  const out = b.makeOutput(shape, 'float32');
  k.dropoutMask(b.getMemoryOffset(out.dataId), tf.util.sizeFromShape(shape), p * 4294967296, 1 / (1 - p), a.seed as number);
  return out;
});

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Attrs = {}) => tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

// ------------------------------------------------------------------------------------------
// ops with gradients (callers check fusedKernelsActive() and the argument shapes first)

type AttentionDims = { B: number; H: number; Tq: number; Tk: number; hs: number; scale: number; causal: boolean };

/** customGrad over the given projection tensors ({q, k, v} or {qkv}); the mask rides along, saved for the backward pass. */
function attentionOp(projections: Record<string, tf.Tensor>, mask: tf.Tensor | null, dims: AttentionDims): tf.Tensor {
  const names = Object.keys(projections);
  const attrs: Attrs = { ...dims };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const proj = Object.fromEntries(names.map((n, i) => [n, args[i] as tf.Tensor]));
    const [y, probs] = run(ATTENTION_FORWARD, mask ? { ...proj, mask } : proj, attrs) as tf.Tensor[];
    save([...names.map((n) => proj[n]), probs, ...(mask ? [mask] : [])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedProj = Object.fromEntries(names.map((n, i) => [n, saved[i]]));
        const [probsSaved, maskSaved] = saved.slice(names.length);
        return run(ATTENTION_BACKWARD, { ...savedProj, dy: dy as tf.Tensor, probs: probsSaved, ...(maskSaved ? { mask: maskSaved } : {}) }, attrs) as tf.Tensor[];
      },
    };
  });
  return op(...names.map((n) => projections[n])) as tf.Tensor;
}

/**
 * Attention of all heads on the projections' layout: q (B·Tq × H·hs), k, v (B·Tk × H·hs) → (B·Tq × H·hs).
 * `mask` (B × H × Tq × Tk) multiplies the weights after the softmax (dropout), or is null.
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | null, dims: AttentionDims): tf.Tensor {
  return attentionOp({ q, k, v }, mask, dims);
}

/** Self-attention from one packed projection qkv (B·T × 3·H·hs): q, k, v are its column blocks; → (B·T × H·hs). */
export function fusedPackedAttention(qkv: tf.Tensor, mask: tf.Tensor | null, dims: AttentionDims): tf.Tensor {
  return attentionOp({ qkv }, mask, dims);
}

/** Layer norm of the rows of x2d (N × C), as layerNormForTraining. */
export const fusedLayerNorm = (x2d: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, g, bt, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, xhat, rstd] = run(LAYER_NORM_FORWARD, { x, gamma: g, beta: bt }, { eps }) as tf.Tensor[];
    save([xhat, rstd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => run(LAYER_NORM_BACKWARD, { dy: dy as tf.Tensor, xhat: saved[0], rstd: saved[1], gamma: saved[2] }) as tf.Tensor[],
    };
  })(x2d, gamma, beta) as tf.Tensor;

/** GELU (erf) of any shape, as geluForTraining. */
export const fusedGelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: run(GELU_FORWARD, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [run(GELU_BACKWARD, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor],
  };
});

/** xᵀ of a 2-D float32 tensor, without a gradient (for use inside the hand-written gradients of training-ops). */
export const fusedTranspose = (x: tf.Tensor): tf.Tensor => run(TRANSPOSE, { x }) as tf.Tensor;

/** Σ over the rows of a 2-D float32 matrix, (N × C) → (C), rows added in order (no gradient). */
export const fusedColumnSum = (x: tf.Tensor): tf.Tensor => run(COLUMN_SUM, { x }) as tf.Tensor;

/** dropoutMask (src/tfjs/training/training-ops.ts) drawn inside the wasm memory: the same values, no upload. Arguments checked by the caller. */
export const fusedDropoutMask = (shape: number[], p: number, seed: number): tf.Tensor => run(DROPOUT_MASK, {}, { shape, p, seed }) as tf.Tensor;

/** A tensor's entries cut, in order, into pieces of the given shapes (no gradient). */
export const fusedSplitFlat = (x: tf.Tensor, shapes: number[][]): tf.Tensor[] => run(SPLIT, { x }, { shapes: JSON.stringify(shapes) }) as tf.Tensor[];

/** Tensors flattened and joined into one vector (no gradient). */
export const fusedConcatFlat = (parts: readonly tf.Tensor[]): tf.Tensor =>
  tf.tidy(() => tf.reshape(run(CONCAT_ROWS, Object.fromEntries(parts.map((t, i) => [`t${i}`, tf.reshape(t, [-1, 1])]))) as tf.Tensor, [-1]));

/** Matrices with equal column counts stacked by rows, (Σ rᵢ × c); the gradient splits ∂y back by rows. */
export function fusedConcatRows(parts: tf.Tensor[]): tf.Tensor {
  const shapes = parts.map((t) => t.shape);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const ts = args.slice(0, parts.length) as tf.Tensor[];
    return {
      value: run(CONCAT_ROWS, Object.fromEntries(ts.map((t, i) => [`t${i}`, t]))) as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => run(SPLIT, { x: dy as tf.Tensor }, { shapes: JSON.stringify(shapes) }) as tf.Tensor[],
    };
  });
  return op(...parts) as tf.Tensor;
}

/** One AdamW update over flat vectors: returns [θ', m', v'] (see src/tfjs/adamw.ts for the formula). */
export function fusedAdamW(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  c: { beta1: number; beta2: number; bc2Sqrt: number; eps: number; decay: number; stepSize: number },
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const attrs: Attrs = { beta1: c.beta1, oneMinusBeta1: 1 - c.beta1, beta2: c.beta2, oneMinusBeta2: 1 - c.beta2, bc2Sqrt: c.bc2Sqrt, eps: c.eps, decay: c.decay, stepSize: c.stepSize };
  return run(ADAMW, { p, g, m, v }, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
}
