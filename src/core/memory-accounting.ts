/**
 * Memory in bytes, exact integers (bigint): a model's weights at a storage type, and what training
 * adds — gradients and AdamW's states — for full fine-tuning or for a PEFT method
 * (src/core/parameter-accounting.ts gives the parameter counts this multiplies).
 *
 *   fp32 / fp16 / bf16   4 / 2 / 2 bytes per parameter
 *   int8 (LLM.int8())    linear weights 1 byte each + one fp32 scale per output row
 *                        (vector-wise absmax; Dettmers et al. 2022, bitsandbytes' SCB)
 *   nf4 (QLoRA)          linear weights 4 bits each (two per byte, rounded up per tensor) + one
 *                        absmax constant per block of 64 weights: fp32 without double
 *                        quantisation (32/64 = 0.5 bit per weight); with it, 8-bit constants plus
 *                        one fp32 constant per block of 256 of them (8/64 + 32/(64·256) = 0.127 bit)
 *                        — Dettmers et al. 2023, QLoRA §3
 *   quantised            the weight matrices of Linear/Conv1D modules except the output head
 *                        (bitsandbytes via transformers keeps lm_head); embeddings, norms and
 *                        biases stay at 16 bits (bf16, QLoRA's computation type)
 *
 *   AdamW (full FT)      fp32:            weights 4 + gradients 4 + moments m, v 8        = 16 B/parameter
 *                        fp16/bf16 (mixed precision, Micikevicius et al. 2018; ZeRO's
 *                        "2 + 2 + 12"):   weights 2 + gradients 2 + (fp32 master 4 + moments 8) = 16 B
 *   AdamW (PEFT)         the base is frozen at its storage type (no gradient, no state); the added
 *                        parameters are fp32 whatever the base (PEFT's autocast_adapter_dtype
 *                        upcasts fp16/bf16 adapters), so 4 + 4 + 8 = 16 B per trainable parameter
 *
 * Not counted: activations (they depend on batch and sequence length), PyTorch's per-tensor
 * AdamW step counters (one scalar per parameter tensor), allocator overhead.
 */
import { ArgumentError } from './errors.js';
import { account, moduleCounts, type ModelSpec, type ModuleSpec, type PeftSpec } from './parameter-accounting.js';

export const DTYPES = ['fp32', 'fp16', 'bf16', 'int8', 'nf4'] as const;
export type StorageDtype = (typeof DTYPES)[number];
export const OPTIMIZERS = ['adamw'] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

/** Bytes per element of the unquantised storage types. */
export const BYTES_PER_ELEMENT: Record<'fp32' | 'fp16' | 'bf16', bigint> = { fp32: 4n, fp16: 2n, bf16: 2n };
/** QLoRA's block sizes: weights per first-level constant, first-level constants per second-level one. */
export const NF4_BLOCK = 64n;
export const NF4_SECOND_LEVEL_BLOCK = 256n;

export interface MemoryOptions {
  dtype: StorageDtype;
  /** nf4 only; QLoRA's default (true). */
  doubleQuant?: boolean;
  /** Training memory: gradients and optimizer states for the trainable parameters. */
  optimizer?: Optimizer;
  /** A PEFT method: the base is frozen, the added parameters train. */
  peft?: PeftSpec;
}

export interface MemoryAccounting {
  dtype: StorageDtype;
  doubleQuant: boolean;
  optimizer: Optimizer | null;
  weights: {
    /** Linear/Conv1D weight elements stored quantised (int8, nf4), else 0. */
    quantisedElements: bigint;
    quantisedBytes: bigint;
    /** int8 row scales; nf4 block constants (both levels). */
    constantsBytes: bigint;
    /** Every other base parameter (all of them for fp32/fp16/bf16). */
    otherBytes: bigint;
    /** The parameters a PEFT method adds (fp32), 0 for full fine-tuning. */
    trainableBytes: bigint;
    total: bigint;
  };
  gradients: bigint;
  optimizerStates: { moments: bigint; masterWeights: bigint; total: bigint };
  total: bigint;
  /** Parameters that train (all base parameters for full fine-tuning). */
  trainableParameters: bigint;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** NF4 storage of one tensor of n weights: packed 4-bit data and its block constants. */
export function nf4TensorBytes(n: bigint, doubleQuant: boolean): { data: bigint; constants: bigint } {
  const blocks = ceilDiv(n, NF4_BLOCK);
  return { data: ceilDiv(n, 2n), constants: doubleQuant ? blocks + 4n * ceilDiv(blocks, NF4_SECOND_LEVEL_BLOCK) : 4n * blocks };
}

/** LLM.int8() storage of a (rows × columns) weight: one byte per weight, one fp32 scale per output row. */
export function int8TensorBytes(columns: bigint, rows: bigint): { data: bigint; constants: bigint } {
  return { data: rows * columns, constants: 4n * rows };
}

/** The (weight elements, other elements) of a module, counting tied weights once. */
function moduleElements(m: ModuleSpec): { weight: bigint; other: bigint } {
  if (m.tiedTo) return { weight: 0n, other: 0n };
  const [i, o] = [BigInt(m.dIn), BigInt(m.dOut)];
  if (m.kind === 'linear' || m.kind === 'conv1d') return { weight: i * o, other: m.bias ? o : 0n };
  if (m.kind === 'embedding') return { weight: 0n, other: i * o };
  return { weight: 0n, other: m.kind === 'layernorm' ? 2n * i : i };
}

export function memoryAccounting(spec: ModelSpec, o: MemoryOptions): MemoryAccounting {
  if (!(DTYPES as readonly string[]).includes(o.dtype)) throw new ArgumentError(`dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(o.dtype)}`);
  if (o.doubleQuant !== undefined && o.dtype !== 'nf4') throw new ArgumentError(`double quantisation applies to nf4 only, not ${o.dtype}`);
  if (o.optimizer !== undefined && !(OPTIMIZERS as readonly string[]).includes(o.optimizer)) throw new ArgumentError(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(o.optimizer)}`);
  const doubleQuant = o.dtype === 'nf4' && o.doubleQuant !== false;
  const quantised = o.dtype === 'int8' || o.dtype === 'nf4';
  const peft = o.peft ?? {};
  const a = account(spec, peft);
  if (o.optimizer && quantised && a.fullFineTuning) {
    throw new ArgumentError(`int8 and nf4 weights cannot be trained directly: add a PEFT method (QLoRA trains LoRA factors over an nf4 base: --dtype nf4 --lora r=R,targets=…)`);
  }

  let quantisedElements = 0n;
  let quantisedBytes = 0n;
  let constantsBytes = 0n;
  let otherElements = 0n;
  for (const { module: m, count } of moduleCounts(spec)) {
    // a block's module stands for its nLayers copies: no per-layer list (src/core/parameter-accounting.ts)
    const e = moduleElements(m);
    otherElements += count * e.other;
    if (e.weight === 0n) continue;
    if (!quantised || m.name === spec.outputHead) {
      otherElements += count * e.weight;
      continue;
    }
    const q = o.dtype === 'nf4' ? nf4TensorBytes(e.weight, doubleQuant) : int8TensorBytes(BigInt(m.dIn), BigInt(m.dOut));
    quantisedElements += count * e.weight;
    quantisedBytes += count * q.data;
    constantsBytes += count * q.constants;
  }
  // unquantised parameters: at the storage type, or at 16 bits (bf16) beside quantised weights
  const otherBytes = otherElements * (quantised ? BYTES_PER_ELEMENT.bf16 : BYTES_PER_ELEMENT[o.dtype as 'fp32']);
  const trainableBytes = a.fullFineTuning ? 0n : 4n * a.added; // PEFT: fp32 adapters
  const weightsTotal = quantisedBytes + constantsBytes + otherBytes + trainableBytes;

  let gradients = 0n;
  let moments = 0n;
  let masterWeights = 0n;
  if (o.optimizer === 'adamw') {
    const trainingWidth = a.fullFineTuning ? BYTES_PER_ELEMENT[o.dtype as 'fp32'] : 4n;
    gradients = a.trainable * trainingWidth;
    moments = 8n * a.trainable; // m and v in fp32
    masterWeights = trainingWidth === 4n ? 0n : 4n * a.trainable; // mixed precision keeps an fp32 copy
  }
  const optimizerTotal = moments + masterWeights;
  return {
    dtype: o.dtype,
    doubleQuant,
    optimizer: o.optimizer ?? null,
    weights: { quantisedElements, quantisedBytes, constantsBytes, otherBytes, trainableBytes, total: weightsTotal },
    gradients,
    optimizerStates: { moments, masterWeights, total: optimizerTotal },
    total: weightsTotal + gradients + optimizerTotal,
    trainableParameters: a.trainable,
  };
}
