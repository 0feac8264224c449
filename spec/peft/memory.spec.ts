/**
 * Memory accounting in bytes (src/core/memory-accounting.ts): weights at fp32 / fp16 / bf16 /
 * int8 / NF4 (QLoRA's block-wise constants, with and without double quantisation), gradients and
 * AdamW's states for full fine-tuning and for PEFT. Every expected value below is derived by hand
 * from the module sizes of LLaMA-7B (Touvron et al. 2023: d 4096, 32 layers, SwiGLU 11008,
 * vocabulary 32000, untied head) — the arithmetic is in the comments — never read off the code.
 */
import { describe, expect, it } from 'vitest';
import { memoryAccounting, nf4TensorBytes, int8TensorBytes, DTYPES } from '../../src/core/memory-accounting.js';
import { registryModel } from '../../src/core/parameter-accounting.js';
import { ArgumentError } from '../../src/core/errors.js';

const llama = registryModel('llama-7b');
const N = 6_738_415_616n; // LLaMA-7B parameters
// Linear weights inside the blocks (q, k, v, o: 4·4096²; gate, up, down: 3·4096·11008) × 32 layers
const LINEAR = 32n * (4n * 4096n * 4096n + 3n * 4096n * 11008n); // 6,476,005,376
const OTHER = N - LINEAR; // embeddings, untied lm_head, RMSNorm weights: 262,410,240

describe('memory accounting: weights', () => {
  it('fp32 / fp16 / bf16 weights are 4 / 2 / 2 bytes per parameter', () => {
    expect(memoryAccounting(llama, { dtype: 'fp32' }).weights.total).toBe(4n * N);
    expect(memoryAccounting(llama, { dtype: 'fp16' }).weights.total).toBe(2n * N);
    expect(memoryAccounting(llama, { dtype: 'bf16' }).weights.total).toBe(2n * N);
    expect(LINEAR).toBe(6_476_005_376n);
  });

  it('NF4 (QLoRA): 4-bit linear weights, one fp32 absmax per block of 64; the rest at 16 bits', () => {
    const m = memoryAccounting(llama, { dtype: 'nf4', doubleQuant: false });
    expect(m.weights.quantisedElements).toBe(LINEAR);
    expect(m.weights.quantisedBytes).toBe(LINEAR / 2n); // 3,238,002,688
    expect(m.weights.constantsBytes).toBe((LINEAR / 64n) * 4n); // 101,187,584 blocks × 4 B = 404,750,336
    expect(m.weights.otherBytes).toBe(2n * OTHER); // 524,820,480
    // 32/64 = 0.5 bits of constants per quantised weight (QLoRA §3)
    expect(Number(m.weights.constantsBytes * 8n) / Number(LINEAR)).toBe(0.5);
  });

  it('NF4 with double quantisation: 8-bit constants, plus one fp32 constant per 256 of them, per tensor', () => {
    const m = memoryAccounting(llama, { dtype: 'nf4' }); // double quantisation is QLoRA's default
    // per layer: q,k,v,o have 16,777,216/64 = 262,144 blocks → 1024 second-level constants each;
    // gate, up, down have 45,088,768/64 = 704,512 blocks → 2752 each: 4·1024 + 3·2752 = 12,352 per layer
    const second = 32n * 12_352n;
    expect(m.weights.constantsBytes).toBe(LINEAR / 64n + 4n * second); // 101,187,584 + 1,581,056 = 102,768,640
    expect(m.weights.total).toBe(LINEAR / 2n + LINEAR / 64n + 4n * second + 2n * OTHER); // 3,865,591,808
    // 8/64 + 32/(64·256) = 0.127 bits per parameter, as QLoRA §3 states
    expect((Number(m.weights.constantsBytes * 8n) / Number(LINEAR)).toFixed(3)).toBe('0.127');
  });

  it('int8 (LLM.int8()): one byte per linear weight and one fp32 scale per output row', () => {
    const m = memoryAccounting(llama, { dtype: 'int8' });
    const rows = 32n * (4n * 4096n + 2n * 11008n + 4096n); // q,k,v,o: 4096 each; gate, up: 11008; down: 4096
    expect(m.weights.total).toBe(LINEAR + 4n * rows + 2n * OTHER); // 7,006,265,344
  });

  it('a block that does not fill 64 values still costs a whole constant; the packed data rounds up to a byte', () => {
    expect(nf4TensorBytes(65n, false)).toEqual({ data: 33n, constants: 8n });
    expect(nf4TensorBytes(64n * 257n, true)).toEqual({ data: 32n * 257n, constants: 257n + 8n }); // 257 blocks: 2 second-level constants
    expect(int8TensorBytes(3n, 5n)).toEqual({ data: 15n, constants: 20n }); // 5 output rows
  });
});

describe('memory accounting: training with AdamW', () => {
  it('full fine-tuning in fp32: weights 4, gradients 4, two moments 8 bytes per parameter', () => {
    const m = memoryAccounting(llama, { dtype: 'fp32', optimizer: 'adamw' });
    expect([m.weights.total, m.gradients, m.optimizerStates.moments, m.optimizerStates.masterWeights, m.total]).toEqual([4n * N, 4n * N, 8n * N, 0n, 16n * N]);
  });

  it('full fine-tuning in mixed precision (bf16): 2 + 2 bytes, and fp32 master weights + moments = 12 bytes of optimizer state', () => {
    const m = memoryAccounting(llama, { dtype: 'bf16', optimizer: 'adamw' });
    expect([m.weights.total, m.gradients, m.optimizerStates.moments, m.optimizerStates.masterWeights, m.optimizerStates.total, m.total]).toEqual([2n * N, 2n * N, 8n * N, 4n * N, 12n * N, 16n * N]);
  });

  it('QLoRA: frozen NF4 base, fp32 LoRA factors (PEFT upcasts adapters), gradients and moments for the factors only', () => {
    const lora = 4_194_304n; // r = 8 on q_proj, v_proj: 32 × 2 × 8 × (4096 + 4096)
    const m = memoryAccounting(llama, { dtype: 'nf4', optimizer: 'adamw', peft: { lora: { r: 8, targets: ['q_proj', 'v_proj'] } } });
    expect(m.weights.trainableBytes).toBe(4n * lora);
    expect(m.gradients).toBe(4n * lora);
    expect(m.optimizerStates.total).toBe(8n * lora);
    expect(m.total).toBe(3_865_591_808n + 16n * lora);
  });

  it('refuses to train quantised weights directly, and an unknown dtype, with named errors', () => {
    expect(() => memoryAccounting(llama, { dtype: 'nf4', optimizer: 'adamw' })).toThrow(ArgumentError);
    expect(() => memoryAccounting(llama, { dtype: 'nf4', optimizer: 'adamw' })).toThrow(/int8 and nf4 weights cannot be trained directly.*--lora/);
    expect(() => memoryAccounting(llama, { dtype: 'fp8' as never })).toThrow(/dtype must be one of fp32, fp16, bf16, int8, nf4/);
    expect(() => memoryAccounting(llama, { dtype: 'fp32', doubleQuant: true })).toThrow(/double quantisation applies to nf4 only/);
    expect(DTYPES).toEqual(['fp32', 'fp16', 'bf16', 'int8', 'nf4']);
  });
});
