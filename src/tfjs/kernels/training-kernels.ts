/**
 * Fused kernels for the training path on the wasm backend.
 *
 * tfjs-backend-wasm runs each op as its own kernel; for the small tensors of a TinyGPT step most
 * of them are scalar loops (batched products with small matrices, exp, transposes), and the
 * composite ops of src/tfjs/training-ops.ts take dozens of them. These five kernel pairs do the
 * same arithmetic in one pass each, written in AssemblyScript with WebAssembly SIMD
 * (assembly/training-kernels.ts, compiled by scripts/build-kernels.ts into
 * ./training-kernels.wasm.ts):
 *
 *   attention   P = softmax(scale·q kᵀ, causal), y = (P ⊙ dropout mask) v, all heads, read and
 *               written in the projections' (B·T × H·hs) layout — no head transposes; backward
 *               ∂q, ∂k, ∂v from the saved P
 *   layer norm  y, x̂, 1/σ in one pass; backward ∂x, ∂γ, ∂β in one pass
 *   GELU        x Φ(x) with the same rational erf as training-ops' erfRational; backward ∂x
 *   AdamW       the update of src/tfjs/adamw.ts over the flat vector, same float32 operations
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
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TRAINING_KERNELS_PLAIN, TRAINING_KERNELS_SHARED } from './training-kernels.wasm.js';

interface KernelExports {
  attentionForward(q: number, k: number, v: number, mask: number, y: number, probs: number, B: number, H: number, Tq: number, Tk: number, hs: number, scale: number, causal: number): void;
  attentionBackward(dy: number, q: number, k: number, v: number, probs: number, mask: number, dq: number, dk: number, dv: number, scratch: number, B: number, H: number, Tq: number, Tk: number, hs: number, scale: number, causal: number): void;
  layerNormForward(x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, N: number, C: number, eps: number): void;
  layerNormBackward(dy: number, xhat: number, rstd: number, gamma: number, dx: number, dgamma: number, dbeta: number, N: number, C: number): void;
  geluForward(x: number, y: number, n: number): void;
  geluBackward(dy: number, x: number, dx: number, n: number): void;
  transpose2d(x: number, y: number, rows: number, cols: number): void;
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
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the wasm backend does not expose its WebAssembly.Memory (tfjs-backend-wasm version changed?)');
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

function disabledByEnv(): boolean {
  const value = typeof process !== 'undefined' ? process.env?.[FUSED_KERNELS_ENV] : undefined;
  return value !== undefined && /^(off|0|false|no)$/i.test(value.trim());
}

/** Why the fused kernels are or are not used on the active backend (for reports). */
export function fusedKernelStatus(): { on: boolean; reason: string } {
  if (tf.getBackend() !== 'wasm') return { on: false, reason: `backend ${tf.getBackend()} (the fused kernels are wasm kernels)` };
  if (disabledByEnv()) return { on: false, reason: `${FUSED_KERNELS_ENV}=${process.env[FUSED_KERNELS_ENV]}` };
  const k = kernelsFor(tf.backend() as BackendWasm);
  return k instanceof Error ? { on: false, reason: `could not start: ${k.message}` } : { on: true, reason: 'wasm backend' };
}

function kernelsFor(backend: BackendWasm): KernelExports | Error {
  let k = instances.get(backend);
  if (!k) {
    try {
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
type Attrs = Record<string, number | boolean>;
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
        for (const [key, t] of Object.entries(inputs)) if (t && t.dtype !== 'float32') throw new TypeError(`${kernelName}: input ${key} must be float32, got ${t.dtype}`);
        const off = (t: tf.TensorInfo | undefined) => {
          if (!t) throw new TypeError(`${kernelName}: missing input`);
          return b.getMemoryOffset(t.dataId);
        };
        return body(k, b, off, inputs as Record<string, tf.TensorInfo>, attrs as unknown as Attrs);
      },
    });
  }
  return kernelName;
}

const ATTENTION_FORWARD = register('AttentionForward', (k, b, off, { q, k: key, v, mask }, a) => {
  const [B, H, Tq, Tk, hs] = [a.B, a.H, a.Tq, a.Tk, a.hs] as number[];
  const y = b.makeOutput([B * Tq, H * hs], 'float32');
  const probs = b.makeOutput([B, H, Tq, Tk], 'float32');
  k.attentionForward(off(q), off(key), off(v), mask ? off(mask) : 0, off(y), off(probs), B, H, Tq, Tk, hs, a.scale as number, a.causal ? 1 : 0);
  return [y, probs];
});

const ATTENTION_BACKWARD = register('AttentionBackward', (k, b, off, { dy, q, k: key, v, probs, mask }, a) => {
  const [B, H, Tq, Tk, hs] = [a.B, a.H, a.Tq, a.Tk, a.hs] as number[];
  const dq = b.makeOutput([B * Tq, H * hs], 'float32');
  const dk = b.makeOutput([B * Tk, H * hs], 'float32');
  const dv = b.makeOutput([B * Tk, H * hs], 'float32');
  const mod = b.wasm as unknown as WasmModuleInternals;
  const scratch = mod._malloc(Tk * 4);
  try {
    k.attentionBackward(off(dy), off(q), off(key), off(v), off(probs), mask ? off(mask) : 0, off(dq), off(dk), off(dv), scratch, B, H, Tq, Tk, hs, a.scale as number, a.causal ? 1 : 0);
  } finally {
    mod._free(scratch);
  }
  return [dq, dk, dv];
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

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Attrs = {}) => tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);

// ------------------------------------------------------------------------------------------
// ops with gradients (callers check fusedKernelsActive() and the argument shapes first)

/**
 * Attention of all heads on the projections' layout: q (B·Tq × H·hs), k, v (B·Tk × H·hs) → (B·Tq × H·hs).
 * `mask` (B × H × Tq × Tk) multiplies the weights after the softmax (dropout), or is null.
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | null, dims: { B: number; H: number; Tq: number; Tk: number; hs: number; scale: number; causal: boolean }): tf.Tensor {
  const attrs: Attrs = { ...dims };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qq, kk, vv, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, probs] = run(ATTENTION_FORWARD, mask ? { q: qq, k: kk, v: vv, mask } : { q: qq, k: kk, v: vv }, attrs) as tf.Tensor[];
    save(mask ? [qq, kk, vv, probs, mask] : [qq, kk, vv, probs]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [qs, ks, vs, ps, ms] = saved;
        return run(ATTENTION_BACKWARD, ms ? { dy: dy as tf.Tensor, q: qs, k: ks, v: vs, probs: ps, mask: ms } : { dy: dy as tf.Tensor, q: qs, k: ks, v: vs, probs: ps }, attrs) as tf.Tensor[];
      },
    };
  });
  return op(q, k, v) as tf.Tensor;
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
