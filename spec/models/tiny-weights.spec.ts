/**
 * loadTinyWeights (src/ops/tiny-weights.ts): TinyGPT / TinyBERT weights from a safetensors file,
 * read as untrusted input, in both layouts — this project's fixture files (param.* beside
 * input./output./grad. tensors) and a plain PyTorch state_dict — then the parameter trees for the
 * reference and tfjs models, which reproduce PyTorch's logits. Every malformed case is a
 * MalformedInputError naming the file and the tensor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { FileAccessError, MalformedInputError } from '../../src/core/errors.js';
import { readSafetensors, serializeSafetensors, toNumbers, writeSafetensors, type SafeTensor } from '../../src/core/safetensors.js';
import { tinyStateDictLayout, validateTinyConfig, type TinyConfig, type TinyKind } from '../../src/core/tiny-config.js';
import { compareNested, PYTORCH_PARITY } from '../../src/core/tolerance.js';
import { loadTinyWeights, referenceTinyParams, tfjsTinyParams } from '../../src/ops/tiny-weights.js';
import { tinyModel as referenceModel } from '../../src/reference/tiny-models.js';
import { tinyModel as tfjsModel } from '../../src/tfjs/tiny-models.js';
import { expectSpecError } from '../_helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A fixture file read raw, plus what the model needs from it. */
function fixture(kind: TinyKind) {
  const path = join(PROJECT_ROOT, 'fixtures', 'models', `${kind}.safetensors`);
  const { tensors, metadata } = readSafetensors(path);
  const raw = JSON.parse(metadata.config) as Record<string, unknown>;
  const config = validateTinyConfig(Object.fromEntries(['vocab_size', 'block_size', 'n_embed', 'n_head', 'n_layer', 'dropout'].map((k) => [k, raw[k]])));
  const rows = (t: SafeTensor) => {
    const v = toNumbers(t);
    return Array.from({ length: t.shape[0] }, (_, b) => v.slice(b * t.shape[1], (b + 1) * t.shape[1]));
  };
  const plain = new Map([...tensors].filter(([n]) => n.startsWith('param.')).map(([n, t]) => [n.slice('param.'.length), t]));
  return {
    path,
    config,
    tensors,
    plain,
    idx: rows(tensors.get('input.idx')!),
    targets: rows(tensors.get(kind === 'tinygpt' ? 'input.targets' : 'input.labels')!),
    logits: Array.from(tensors.get('output.logits')!.data as Float32Array),
    loss: (tensors.get('output.loss')!.data as Float32Array)[0],
  };
}
const FIX = { tinygpt: fixture('tinygpt'), tinybert: fixture('tinybert') };

function write(tensors: Map<string, SafeTensor>, stem: string): string {
  const path = join(dir, `${stem}-${fileCount++}.safetensors`);
  writeSafetensors(path, tensors);
  return path;
}

const f32 = (shape: number[], fill = 0.5): SafeTensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });
const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

describe.each(['tinygpt', 'tinybert'] as TinyKind[])('%s weights', (kind) => {
  const fx = FIX[kind];
  const layout = tinyStateDictLayout(kind, fx.config);

  it("the fixture file loads in the fixture layout: every state_dict key (no param. prefix), in PyTorch's order, values unchanged", () => {
    const w = loadTinyWeights(fx.path, kind, fx.config);
    expect(w.layout).toBe('fixture');
    expect(w.source).toBe(fx.path);
    expect(w.names).toEqual([...layout.keys()]);
    for (const [name, e] of layout) {
      const t = w.tensors.get(name)!;
      expect(t.shape, name).toEqual(e.shape);
      expect(t.values).toBeInstanceOf(Float32Array);
      expect(t.values).toEqual(fx.tensors.get(`param.${name}`)!.data);
    }
  });

  it('a plain state_dict file (names without a prefix) loads to the same tensors', () => {
    const path = write(fx.plain, `${kind}-plain`);
    const plain = loadTinyWeights(path, kind, fx.config);
    const fromFixture = loadTinyWeights(fx.path, kind, fx.config);
    expect(plain.layout).toBe('state_dict');
    expect(plain.names).toEqual(fromFixture.names);
    for (const n of plain.names) expect(plain.tensors.get(n), n).toEqual(fromFixture.tensors.get(n));
  });

  it('referenceTinyParams: the float64 reference reproduces PyTorch logits and loss', () => {
    const r = referenceModel(kind, fx.config, referenceTinyParams(loadTinyWeights(fx.path, kind, fx.config)), fx.idx, fx.targets);
    const cmp = compareNested(flat(r.logits), fx.logits, PYTORCH_PARITY.modelForward);
    expect(cmp.ok, cmp.message).toBe(true);
    expect(Math.abs(r.loss! - fx.loss)).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
  });

  it('tfjsTinyParams: tfjs reproduces PyTorch logits and loss; tf.dispose(params) frees every tensor', () => {
    const before = tf.memory().numTensors;
    const params = tfjsTinyParams(loadTinyWeights(fx.path, kind, fx.config));
    expect(tf.memory().numTensors - before).toBe(layout.size);
    const out = tfjsModel(kind, fx.config, params, fx.idx, fx.targets);
    const cmp = compareNested(Array.from(out.logits.dataSync()), fx.logits, PYTORCH_PARITY.modelForward);
    expect(cmp.ok, cmp.message).toBe(true);
    expect(Math.abs(out.loss!.dataSync()[0] - fx.loss)).toBeLessThanOrEqual(PYTORCH_PARITY.modelForward.atol);
    tf.dispose([out.logits, out.loss!]);
    tf.dispose(params as unknown as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('float dtypes other than F32 are converted to float32', () => {
  const fx = FIX.tinybert;
  const convert = (dtype: 'F64' | 'F16' | 'BF16') =>
    new Map(
      [...fx.plain].map(([n, t]): [string, SafeTensor] => {
        const v = t.data as Float32Array;
        if (dtype === 'F64') return [n, { dtype, shape: t.shape, data: Float64Array.from(v) }];
        if (dtype === 'BF16') return [n, { dtype, shape: t.shape, data: Uint16Array.from(new Uint32Array(Float32Array.from(v).buffer), (u) => u >>> 16) }];
        return [n, { dtype, shape: t.shape, data: Uint16Array.from(v, toF16Bits) }];
      }),
    );

  it('F64: the same float32 values exactly', () => {
    const w = loadTinyWeights(write(convert('F64'), 'f64'), 'tinybert', fx.config);
    for (const n of w.names) expect(w.tensors.get(n)!.values, n).toEqual(fx.plain.get(n)!.data);
  });

  it.each([
    ['F16', 2 ** -11], // rounded to nearest: half a unit of the 10-bit fraction
    ['BF16', 2 ** -7], // truncated (the top 16 bits of the float32): under one unit of the 7-bit fraction
  ] as const)('%s: within the format’s precision of the float32 values', (dtype, unit) => {
    const w = loadTinyWeights(write(convert(dtype), dtype.toLowerCase()), 'tinybert', fx.config);
    for (const n of w.names) {
      const got = w.tensors.get(n)!.values;
      const want = fx.plain.get(n)!.data as Float32Array;
      const cmp = compareNested(Array.from(got), Array.from(want), { atol: 1e-7, rtol: unit });
      expect(cmp.ok, `${n}: ${cmp.message}`).toBe(true);
    }
  });
});

/** float32 → IEEE binary16 bits, round to nearest (normal range only: weights are small). */
function toF16Bits(x: number): number {
  if (x === 0) return Object.is(x, -0) ? 0x8000 : 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  if (e < -14) return sign | Math.round(a / 2 ** -24); // subnormal
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return m === 1024 ? sign | ((e + 16) << 10) : sign | ((e + 15) << 10) | m;
}

// ---------------------------------------------------------------------------------------------
// Malformed weights, in both layouts

type Edit = (m: Map<string, SafeTensor>, key: (name: string) => string, config: TinyConfig) => void;

const CASES: Array<[string, TinyKind, Edit, (key: (n: string) => string) => RegExp]> = [
  ['a missing parameter', 'tinygpt', (m, k) => m.delete(k('ln_f.bias')), (k) => new RegExp(`state dict does not match the model: missing 1 key: "${escape(k('ln_f.bias'))}" \\(checked against tinygpt with vocab_size 48`)],
  ['missing and unexpected keys, all in one error', 'tinybert', (m, k) => {
    m.delete(k('blocks.1.ln2.weight'));
    m.delete(k('mlm_head.bias'));
    m.set(k('lm_head.bias'), f32([24]));
  }, (k) => new RegExp(`missing 2 keys: "${escape(k('blocks.1.ln2.weight'))}", "${escape(k('mlm_head.bias'))}"; unexpected 1 key: "${escape(k('lm_head.bias'))}"`)],
  ['an unexpected extra tensor', 'tinybert', (m, k) => m.set(k('extra.weight'), f32([2])), (k) => new RegExp(`unexpected 1 key: "${escape(k('extra.weight'))}"`)],
  ['a wrong shape', 'tinygpt', (m, k) => m.set(k('blocks.0.ff.net.0.bias'), f32([64])), (k) => new RegExp(`tensor "${escape(k('blocks.0.ff.net.0.bias'))}" has shape \\[64\\], expected \\[128\\]`)],
  ['an integer dtype for a weight', 'tinygpt', (m, k) => m.set(k('token_embed.weight'), { dtype: 'I32', shape: [48, 32], data: new Int32Array(48 * 32) }), (k) => new RegExp(`tensor "${escape(k('token_embed.weight'))}" has dtype I32, expected F32 or F64 or F16 or BF16`)],
  ['a tril buffer with a one above the diagonal', 'tinygpt', (m, k) => {
    const t = m.get(k('blocks.1.mh.heads.2.tril'))!;
    const data = Float32Array.from(t.data as Float32Array);
    data[0 * 16 + 1] = 1;
    m.set(k('blocks.1.mh.heads.2.tril'), { ...t, data });
  }, (k) => new RegExp(`buffer "${escape(k('blocks.1.mh.heads.2.tril'))}" must be the causal mask torch\\.tril\\(torch\\.ones\\(16, 16\\)\\).*entry \\[0\\]\\[1\\] is 1, expected 0`)],
  ['a tril buffer of all ones', 'tinygpt', (m, k) => m.set(k('blocks.0.mh.heads.0.tril'), f32([16, 16], 1)), (k) => new RegExp(`buffer "${escape(k('blocks.0.mh.heads.0.tril'))}" must be the causal mask.*entry \\[0\\]\\[1\\] is 1, expected 0`)],
  ['a non-finite weight', 'tinybert', (m, k) => {
    const t = m.get(k('ln_f.weight'))!;
    const data = Float32Array.from(t.data as Float32Array);
    data[5] = NaN;
    m.set(k('ln_f.weight'), { ...t, data });
  }, (k) => new RegExp(`tensor "${escape(k('ln_f.weight'))}" holds NaN at flat index 5; weights must be finite`)],
];

describe.each([
  ['plain state_dict', ''],
  ['fixture layout', 'param.'],
] as const)('malformed weights (%s): MalformedInputError naming the file and the tensor', (_layout, prefix) => {
  const key = (n: string) => prefix + n;
  const base = (kind: TinyKind) => (prefix ? new Map(FIX[kind].tensors) : new Map(FIX[kind].plain));

  it.each(CASES)('%s', (_name, kind, edit, message) => {
    const m = base(kind);
    edit(m, key, FIX[kind].config);
    const path = write(m, kind);
    expect(() => loadTinyWeights(path, kind, FIX[kind].config)).toThrow(MalformedInputError);
    expect(() => loadTinyWeights(path, kind, FIX[kind].config)).toThrow(new RegExp(`^${escape(path)}: .*${message(key).source}`));
  });

  it('a truncated file', () => {
    const bytes = serializeSafetensors(base('tinygpt'));
    const path = join(dir, `truncated-${fileCount++}.safetensors`);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    expect(() => loadTinyWeights(path, 'tinygpt', FIX.tinygpt.config)).toThrow(MalformedInputError);
    expect(() => loadTinyWeights(path, 'tinygpt', FIX.tinygpt.config)).toThrow(new RegExp(`^${escape(path)}: entry ".*" has data_offsets \\[\\d+, \\d+\\], whose end is past the end of the data section`));
  });

  it('weights for another config: the missing layer is named and the config it was checked against is stated', () => {
    const path = write(base('tinygpt'), 'tinygpt');
    const config = { ...FIX.tinygpt.config, n_layer: 3 };
    expect(() => loadTinyWeights(path, 'tinygpt', config)).toThrow(
      new RegExp(`^${escape(path)}: state dict does not match the model: missing 26 keys: "${escape(key('blocks.2.ff.net.0.bias'))}", .*\\(checked against tinygpt with vocab_size 48, block_size 16, n_embed 32, n_head 4, n_layer 3; `),
    );
  });
});

describe('layouts', () => {
  it("in the fixture layout the input./output./cotangent./grad. tensors are ignored, any other name is unexpected", () => {
    const m = new Map(FIX.tinybert.tensors);
    m.set('cotangent.logits', f32([1]));
    expect(loadTinyWeights(write(m, 'cot'), 'tinybert', FIX.tinybert.config).layout).toBe('fixture');
    m.set('token_embed.weight', f32([24, 32]));
    expect(() => loadTinyWeights(write(m, 'mixed'), 'tinybert', FIX.tinybert.config)).toThrow(/unexpected 1 key: "token_embed\.weight" \(checked against tinybert .*fixture layout: only the param\.\* entries are weights\)$/);
  });

  it('a plain state_dict with input./output. tensors reports them as unexpected', () => {
    const m = new Map(FIX.tinybert.plain);
    m.set('output.logits', FIX.tinybert.tensors.get('output.logits')!);
    expect(() => loadTinyWeights(write(m, 'plain-extra'), 'tinybert', FIX.tinybert.config)).toThrow(/unexpected 1 key: "output\.logits" \(checked against tinybert .*plain state_dict layout\)$/);
  });

  it('TinyGPT weights are not TinyBERT weights (tril buffers unexpected, lm_head ≠ mlm_head)', () => {
    const config = { ...FIX.tinygpt.config };
    expect(() => loadTinyWeights(FIX.tinygpt.path, 'tinybert', config)).toThrow(/missing 2 keys: "param\.mlm_head\.bias", "param\.mlm_head\.weight"; unexpected 10 keys: "param\.blocks\.0\.mh\.heads\.0\.tril", /);
  });

  it('file-system errors are not malformed input: a FileAccessError naming the path and the reason', () => {
    const absent = join(dir, 'absent.safetensors');
    expectSpecError(() => loadTinyWeights(absent, 'tinygpt', FIX.tinygpt.config), FileAccessError, 'FILE_ACCESS', new RegExp(`^${absent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the file \\(no such file\\)$`));
  });
});
