/**
 * safetensors reader and writer (src/core/safetensors.ts), on files treated as untrusted:
 *
 *   file = N (u64, little-endian) ‖ header (N bytes of UTF-8 JSON, space-padded) ‖ data section
 *   entry = {"dtype", "shape", "data_offsets": [begin, end)}   end − begin = Π shape · sizeof(dtype)
 *   the entries cover the data section exactly: no overlap, no hole, no trailing byte
 *
 * Round trips (by hand and as properties), one golden file checked byte by byte, then one spec per
 * malformed case: each throws MalformedInputError whose message starts with the source and names
 * the problem. Finally every single-byte corruption of a small file's header either parses to a
 * self-consistent result or throws MalformedInputError, never anything else.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, MalformedInputError, RangeArgumentError, ShapeError } from '../../src/core/errors.js';
import {
  checkStateDict,
  dtypeSize,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  toFloat32,
  toNumbers,
  writeSafetensors,
  type SafeData,
  type SafeDType,
  type SafeTensor,
} from '../../src/core/safetensors.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { expectSpecError } from '../_helpers/errors.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const SOURCE = 'model.safetensors';
const ALL_DTYPES: SafeDType[] = ['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];


/** Parsing `bytes` must be refused as malformed, naming SOURCE first and then the problem. */
const expectMalformed = (bytes: Uint8Array, problem: RegExp): void =>
  expectSpecError(() => parseSafetensors(bytes, SOURCE), MalformedInputError, 'MALFORMED_INPUT', new RegExp(`^${SOURCE.replace('.', '\\.')}: ${problem.source}`));

/** A file from a header text and data bytes; `n` overrides the header length field. */
function rawFile(header: string, data: number[] | Uint8Array = [], n?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const entry = (dtype: string, shape: number[], begin: number, end: number) =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

/** The typed array for a dtype, filled from little-endian bytes (the tests run on little-endian hosts). */
function fromBytes(dtype: SafeDType, bytes: Uint8Array): SafeData {
  const copy = bytes.slice();
  if (dtype === 'BOOL') return copy.map((b) => b & 1);
  const arrays: Record<SafeDType, new (b: ArrayBuffer) => SafeData> = {
    F32: Float32Array, F64: Float64Array, F16: Uint16Array, BF16: Uint16Array, I64: BigInt64Array,
    I32: Int32Array, I16: Int16Array, I8: Int8Array, U8: Uint8Array, BOOL: Uint8Array,
  };
  return new arrays[dtype](copy.buffer);
}

const hex = (d: SafeData): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
/** Bit-exact form of a tensor set: NaN payloads and −0 compare as stored. */
const bitsOf = (ts: Map<string, SafeTensor> | Record<string, SafeTensor>) =>
  Object.fromEntries(
    [...(ts instanceof Map ? ts : Object.entries(ts))]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, array: t.data.constructor.name, bits: hex(t.data) }]),
  );
/** The header length field and the header text of a file. */
function headerOf(bytes: Uint8Array): { n: number; text: string } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
}

const f32 = (shape: number[], values: number[]): SafeTensor => ({ dtype: 'F32', shape, data: new Float32Array(values) });

// ---------------------------------------------------------------------------------------------

describe('safetensors round trip: serialize → parse gives identical tensors', () => {
  const tensors: Record<string, SafeTensor> = {
    f32: f32([2, 3], [1, -2.5, 3.25, Math.fround(0.1), -0, NaN]),
    f64: { dtype: 'F64', shape: [3], data: new Float64Array([0.1, -1e300, Infinity]) },
    i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
    i32: { dtype: 'I32', shape: [2, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 7]) },
    u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
    bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    scalar: f32([], [42]),
    empty: f32([0, 3], []),
    f16: { dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) },
    bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
    i16: { dtype: 'I16', shape: [1], data: new Int16Array([-32768]) },
    i8: { dtype: 'I8', shape: [1], data: new Int8Array([-128]) },
  };

  it('F32, F64, I64, I32, U8, BOOL, F16, BF16, I16, I8, a scalar [] and a zero-size [0, 3] tensor come back bit for bit', () => {
    const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors));
    expect(bitsOf(back)).toEqual(bitsOf(tensors));
    expect(back.get('scalar')?.shape).toEqual([]);
    expect(back.get('scalar')?.data).toEqual(new Float32Array([42]));
    expect(back.get('empty')?.data.length).toBe(0);
    expect(back.get('i64')?.data).toEqual(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]));
    expect(metadata).toEqual({});
  });

  it('metadata round-trips, and the returned data never alias the input bytes', () => {
    const bytes = serializeSafetensors({ w: f32([1], [1]) }, { format: 'pt', note: 'ünïcode ✓' });
    const { tensors: back, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    bytes.fill(0);
    expect(back.get('w')?.data).toEqual(new Float32Array([1]));
  });

  it('writeSafetensors / readSafetensors go through a file, and errors name the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetensors-spec-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'w.safetensors');
    writeSafetensors(path, new Map(Object.entries(tensors)), { format: 'pt' });
    const { tensors: back, metadata } = readSafetensors(path);
    expect(bitsOf(back)).toEqual(bitsOf(tensors));
    expect(metadata).toEqual({ format: 'pt' });
    // no tensors at all: the header is "{}" padded to 8 bytes and the data section is empty
    writeSafetensors(path, {});
    expect(readSafetensors(path).tensors.size).toBe(0);
  });

  it('the header is padded with spaces to a multiple of 8 and lists names in sorted order with contiguous offsets', () => {
    const bytes = serializeSafetensors({ b: f32([1], [2]), a: f32([2], [0, 1]), '9': f32([1], [9]), '10': f32([1], [10]) }, { z: '1', a: '2' });
    const { n, text } = headerOf(bytes);
    expect(n % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/);
    expect(text.trimEnd().length).toBeGreaterThan(n - 8);
    // integer-like names would jump the queue in a JS object; the writer keeps code-unit order
    expect(text.startsWith('{"__metadata__":')).toBe(true);
    expect([...text.matchAll(/"([^"]*)":\{"dtype"/g)].map((m) => m[1])).toEqual(['10', '9', 'a', 'b']);
    expect(text).toContain('"__metadata__":{"a":"2","z":"1"}');
    expect(text).toContain('"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}');
    expect(text).toContain('"9":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}');
    expect(text).toContain('"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}');
    expect(text).toContain('"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}');
    expect(bytes.length).toBe(8 + n + 20);
  });

  it('golden bytes: one F32 tensor "a" = [1.0]', () => {
    const header = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'; // 54 bytes → padded to 56
    const expected = [
      ...[0x38, 0, 0, 0, 0, 0, 0, 0], // N = 56, u64 little-endian
      ...[...header].map((c) => c.charCodeAt(0)),
      0x20, 0x20, // padding: 8 + 56 = 64, a multiple of 8
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f = 0x3F800000, little-endian
    ];
    const bytes = serializeSafetensors({ a: f32([1], [1]) });
    expect(Array.from(bytes)).toEqual(expected);
    expect(bytes.length).toBe(68);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x38, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(64))).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('reads a header that is not padded, whose F64 / I64 data start at odd file offsets (copied into aligned arrays)', () => {
    // the reference reader's own shape of file: no padding, 16 zero bytes of I32 [2, 2]
    const i32 = parseSafetensors(rawFile(`{"test":${entry('I32', [2, 2], 0, 16)}}`, new Uint8Array(16)));
    expect(i32.tensors.get('test')?.data).toEqual(new Int32Array(4));

    const data = new Uint8Array(17);
    data[0] = 7; // U8 [1] at [0, 1); the F64 and I64 that follow start 1 byte later
    new DataView(data.buffer).setFloat64(1, -2.5, true);
    new DataView(data.buffer).setBigInt64(9, -(2n ** 53n) - 1n, true);
    const header = `{"u":${entry('U8', [1], 0, 1)},"x":${entry('F64', [1], 1, 9)},"y":${entry('I64', [1], 9, 17)}}`;
    const file = rawFile(header, data);
    expect((8 + header.length + 1) % 8).not.toBe(0); // x really is misaligned in the file
    const { tensors } = parseSafetensors(file);
    expect(tensors.get('u')?.data).toEqual(new Uint8Array([7]));
    expect(tensors.get('x')?.data).toEqual(new Float64Array([-2.5]));
    expect(tensors.get('y')?.data).toEqual(new BigInt64Array([-(2n ** 53n) - 1n]));
  });

  it('accepts a zero-size tensor whose other dimensions multiply past 2^53 (the size is computed exactly)', () => {
    const { tensors } = parseSafetensors(rawFile(`{"a":${entry('F32', [2 ** 52, 2 ** 52, 0], 0, 0)}}`));
    expect(tensors.get('a')?.shape).toEqual([2 ** 52, 2 ** 52, 0]);
    expect(tensors.get('a')?.data.length).toBe(0);
  });

  it('accepts tensors listed out of offset order, zero-size tensors sharing an offset, and "__proto__" as a name', () => {
    const header = `{"b":${entry('F32', [1], 4, 8)},"z":${entry('F32', [0], 4, 4)},"__proto__":${entry('F32', [1], 0, 4)},"__metadata__":{"__proto__":"x"}}`;
    const data = new Uint8Array(new Float32Array([1, 2]).buffer);
    const { tensors, metadata } = parseSafetensors(rawFile(header, data));
    expect([...tensors.keys()]).toEqual(['b', 'z', '__proto__']);
    expect(tensors.get('__proto__')?.data).toEqual(new Float32Array([1]));
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('x');
  });
});

// ---------------------------------------------------------------------------------------------

describe('untrusted files: each malformed case throws MalformedInputError naming the source and the problem', () => {
  const one = (dtype = 'F32', shape = [1], begin = 0, end = 4) => `{"a":${entry(dtype, shape, begin, end)}}`;
  const four = [0, 0, 0x80, 0x3f];
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['an empty file', new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte header length field/],
    ['a file truncated inside the length field', new Uint8Array([8, 0, 0, 0, 0]), /file is 5 bytes, shorter than the 8-byte header length field/],
    ['a header length larger than the file', rawFile(one(), four, 1000n), /header length 1000 is larger than the file: only \d+ bytes follow the length field/],
    ['a header length one byte past the file', rawFile(one(), [], BigInt(one().length + 1)), /header length \d+ is larger than the file/],
    ['an absurd header length (2^64 − 1)', rawFile(one(), four, 2n ** 64n - 1n), /header length 18446744073709551615 is absurd: more than the 100000000-byte limit/],
    ['an absurd header length (100 000 001)', rawFile(one(), four, 100_000_001n), /header length 100000001 is absurd/],
    ['a header length of 0', rawFile('', []), /header is empty \(header length 0\)/],
    ['a header that does not begin with "{"', rawFile(` ${one()}`, four), /header must begin with '\{' \(0x7B\), got byte 0x20/],
    ['a header that is a JSON list', rawFile('[1]', []), /header must begin with '\{' \(0x7B\), got byte 0x5B/],
    ['a header that is not UTF-8', rawFile('{"a"', [0xff, ...new TextEncoder().encode(':1}')], 5n), /header is not valid UTF-8/],
    ['a header that is not JSON (cut short)', rawFile('{"a":{"dtype":', []), /header is not valid JSON: unexpected end of text/],
    ['a header that is not JSON (single quotes)', rawFile("{'a':1}", []), /header is not valid JSON: expected a quoted key/],
    ['a header with text after the object', rawFile(`${one()} x`, four), /header is not valid JSON: unexpected text after the JSON object/],
    ['a header padded with NUL bytes', rawFile(`${one()}\0\0`, four), /header is not valid JSON: unexpected text after the JSON object/],
    ['a header nested absurdly deep', rawFile(`{"a":${'['.repeat(100_000)}`, []), /header is not valid JSON: nesting deeper than 32 levels/],
    ['a raw control character in a name', rawFile(`{"a\nb":${entry('F32', [1], 0, 4)}}`, four), /header is not valid JSON: raw control character in a string/],
    ['a bad escape in a name', rawFile(`{"a\\qb":${entry('F32', [1], 0, 4)}}`, four), /header is not valid JSON: bad escape sequence in a string/],
    ['a duplicate tensor name', rawFile(`{"a":${entry('F32', [1], 0, 4)},"a":${entry('F32', [1], 4, 8)}}`, [...four, ...four]), /duplicate key "a" in the header; the format forbids repeated keys/],
    ['a duplicate name spelled with an escape', rawFile(`{"a":${entry('F32', [1], 0, 4)},"\\u0061":${entry('F32', [1], 4, 8)}}`, [...four, ...four]), /duplicate key "a" in the header/],
    ['a duplicate key inside an entry', rawFile('{"a":{"dtype":"I32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', four), /duplicate key "dtype" in the entry "a"/],
    ['a duplicate __metadata__', rawFile(`{"__metadata__":{},"__metadata__":{}}`, []), /duplicate key "__metadata__" in the header/],
    ['an entry that is not an object', rawFile('{"a":[0,4]}', four), /entry "a" must be an object \{dtype, shape, data_offsets\}, got \[0,4\]/],
    ['an entry without data_offsets', rawFile('{"a":{"dtype":"F32","shape":[1]}}', four), /entry "a" is missing the key "data_offsets"/],
    ['an entry with an extra key', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0}}', four), /entry "a" has unexpected key "offset"; an entry is exactly \{dtype, shape, data_offsets\}/],
    ['an unknown dtype', rawFile(one('F8', [4], 0, 4), four), /entry "a" has unknown dtype "F8"; supported: F64, I64, F32, I32, F16, BF16, I16, I8, U8, BOOL/],
    ['a dtype of the format this reader does not support (U32)', rawFile(one('U32'), four), /entry "a" has unknown dtype "U32"/],
    ['a lower-case dtype', rawFile(one('f32'), four), /entry "a" has unknown dtype "f32"/],
    ['a negative dimension', rawFile(one('F32', [-1]), four), /entry "a" has shape \[-1\], which is not a list of non-negative safe integers/],
    ['a fractional dimension', rawFile(one('F32', [1.5]), four), /entry "a" has shape \[1\.5\], which is not a list/],
    ['a dimension spelled 1.0', rawFile('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', four), /entry "a" has shape \[1\.0\], which is not a list of non-negative safe integers/],
    ['a dimension spelled 1e0', rawFile('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', four), /entry "a" has shape \[1e0\]/],
    ['a dimension beyond 2^53', rawFile(one('F32', [2 ** 53]), four), /entry "a" has shape \[9007199254740992\], which is not a list/],
    ['a shape that is not a list', rawFile('{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}', four), /entry "a" has shape "1", which is not a list/],
    ['data_offsets with begin > end', rawFile(one('F32', [1], 4, 0), four), /entry "a" has data_offsets \[4,0\], which is not \[begin, end\] with safe integers 0 ≤ begin ≤ end/],
    ['data_offsets with three numbers', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', four), /entry "a" has data_offsets \[0,4,8\], which is not \[begin, end\]/],
    ['data_offsets beyond 2^53', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}', four), /entry "a" has data_offsets \[0,18446744073709552000\], which is not \[begin, end\]/],
    ['offsets past the end of the data section', rawFile(one('F32', [2], 0, 8), four), /entry "a" has data_offsets \[0, 8\], whose end is past the end of the data section \(4 bytes\)/],
    ['a byte length that is not shape × dtype size', rawFile(one('F64', [1], 0, 4), four), /entry "a" has 4 data bytes \(data_offsets \[0, 4\]\) but shape \[1\] × F64 \(8 bytes each\) needs 8/],
    ['a shape whose element count is beyond 2^53', rawFile(one('F32', [2 ** 26, 2 ** 26, 2 ** 26]), four), /entry "a" has 4 data bytes .* needs 1208925819614629174706176$/],
    [
      'overlapping tensors',
      rawFile(`{"a":${entry('F32', [2], 0, 8)},"b":${entry('F32', [2], 4, 12)}}`, new Uint8Array(12)),
      /tensors "a" \(bytes \[0, 8\)\) and "b" \(bytes \[4, 12\)\) overlap/,
    ],
    [
      'two tensors on the same bytes',
      rawFile(`{"a":${entry('F32', [1], 0, 4)},"b":${entry('I32', [1], 0, 4)}}`, four),
      /tensors "a" \(bytes \[0, 4\)\) and "b" \(bytes \[0, 4\)\) overlap/,
    ],
    [
      'a zero-size tensor inside another',
      rawFile(`{"a":${entry('F32', [2], 0, 8)},"z":${entry('F32', [0], 4, 4)}}`, new Uint8Array(8)),
      /tensors "a" \(bytes \[0, 8\)\) and "z" \(bytes \[4, 4\)\) overlap/,
    ],
    [
      'a hole between tensors',
      rawFile(`{"a":${entry('F32', [1], 0, 4)},"b":${entry('F32', [1], 8, 12)}}`, new Uint8Array(12)),
      /hole in the data section: bytes \[4, 8\) between "a" and "b" belong to no tensor/,
    ],
    ['a hole before the first tensor', rawFile(one('F32', [1], 4, 8), new Uint8Array(8)), /hole in the data section: bytes \[0, 4\) before "a" belong to no tensor/],
    ['trailing bytes after the last tensor', rawFile(one(), [...four, 1, 2]), /trailing bytes: bytes \[4, 6\) of the data section belong to no tensor/],
    ['a data section with no tensors at all', rawFile('{}', [1]), /trailing bytes: bytes \[0, 1\)/],
    ['a metadata value that is a number', rawFile(`{"__metadata__":{"format":"pt","epoch":3}}`, []), /__metadata__\["epoch"\] must be a string, got 3; metadata values are all strings/],
    ['a metadata value that is an object', rawFile(`{"__metadata__":{"cfg":{"d":1}}}`, []), /__metadata__\["cfg"\] must be a string, got \{"d":1\}/],
    ['metadata that is not an object', rawFile(`{"__metadata__":"pt"}`, []), /__metadata__ must be an object whose values are strings, got "pt"/],
  ];

  for (const [what, bytes, problem] of cases) {
    it(`${what} → MalformedInputError (MALFORMED_INPUT)`, () => expectMalformed(bytes, problem));
  }

  it('the default source is <buffer>', () => {
    expectSpecError(() => parseSafetensors(new Uint8Array(3)), MalformedInputError, 'MALFORMED_INPUT', /^<buffer>: file is 3 bytes/);
  });

  it('readSafetensors names the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safetensors-spec-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'bad.safetensors');
    writeSafetensors(path, { a: f32([1], [1]) });
    writeFileSync(path, rawFile('{"a":1}', []));
    expectSpecError(() => readSafetensors(path), MalformedInputError, 'MALFORMED_INPUT', new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: entry "a" must be an object`));
  });
});

// ---------------------------------------------------------------------------------------------

describe('the writer refuses what it cannot write faithfully', () => {
  it('a tensor named __metadata__ → ArgumentError', () =>
    expectSpecError(() => serializeSafetensors({ __metadata__: f32([1], [1]) }), ArgumentError, 'BAD_ARGUMENT', /tensor name "__metadata__" is reserved for metadata/));
  it('data of the wrong array class → ArgumentError', () =>
    expectSpecError(
      () => serializeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float64Array([1]) } }),
      ArgumentError,
      'BAD_ARGUMENT',
      /tensor "w" has dtype F32, so its data must be a Float32Array, got Float64Array/,
    ));
  it('data length ≠ product(shape) → ShapeError', () =>
    expectSpecError(() => serializeSafetensors({ w: f32([2, 3], [1, 2, 3, 4, 5]) }), ShapeError, 'SHAPE_MISMATCH', /tensor "w" has shape \[2, 3\] \(6 elements\) but 5 data elements/));
  it('an unknown dtype → ArgumentError', () =>
    expectSpecError(
      () => serializeSafetensors({ w: { dtype: 'U32' as SafeDType, shape: [1], data: new Uint8Array(4) } }),
      ArgumentError,
      'BAD_ARGUMENT',
      /tensor "w" has unknown dtype "U32"/,
    ));
  it('a negative dimension → ArgumentError', () =>
    expectSpecError(() => serializeSafetensors({ w: f32([-1], []) }), ArgumentError, 'BAD_ARGUMENT', /tensor "w" has shape \[-1\], which is not a list of non-negative safe integers/));
  it('a non-string metadata value → ArgumentError', () =>
    expectSpecError(
      () => serializeSafetensors({}, { epoch: 3 as unknown as string }),
      ArgumentError,
      'BAD_ARGUMENT',
      /metadata\["epoch"\] must be a string, got 3/,
    ));
});

// ---------------------------------------------------------------------------------------------

describe('checkStateDict compares a checkpoint with what the model expects', () => {
  const sd = new Map<string, SafeTensor>([
    ['wte.weight', f32([4, 2], new Array(8).fill(0))],
    ['h.0.attn.bias', { dtype: 'BOOL', shape: [1, 1, 2, 2], data: new Uint8Array(4) }],
    ['ln_f.weight', { dtype: 'F16', shape: [2], data: new Uint16Array(2) }],
  ]);
  const expected = {
    'wte.weight': { shape: [4, 2], dtype: 'F32' as SafeDType },
    'ln_f.weight': { shape: [2], dtype: ['F32', 'F16', 'BF16'] as SafeDType[] },
  };

  it('a matching state dict passes; allowUnexpected tolerates named extras', () => {
    expect(() => checkStateDict(sd, expected, SOURCE, { allowUnexpected: (k) => k.endsWith('.attn.bias') })).not.toThrow();
  });

  it('without allowUnexpected the extra buffer is reported by name', () =>
    expectSpecError(() => checkStateDict(sd, expected, SOURCE), MalformedInputError, 'MALFORMED_INPUT', /^model\.safetensors: state dict does not match the model: unexpected 1 key: "h\.0\.attn\.bias"$/));

  it('all missing and all unexpected keys are listed by name in one error', () =>
    expectSpecError(
      () =>
        checkStateDict(sd, { ...expected, 'wpe.weight': { shape: [8, 2], dtype: 'F32' }, 'lm_head.weight': { shape: [4, 2], dtype: 'F32' } }, SOURCE, {
          allowUnexpected: () => false,
        }),
      MalformedInputError,
      'MALFORMED_INPUT',
      /^model\.safetensors: state dict does not match the model: missing 2 keys: "lm_head\.weight", "wpe\.weight"; unexpected 1 key: "h\.0\.attn\.bias"$/,
    ));

  it('a wrong dtype is reported with expected vs got', () =>
    expectSpecError(
      () => checkStateDict(sd, { ...expected, 'ln_f.weight': { shape: [2], dtype: ['F32', 'BF16'] } }, SOURCE, { allowUnexpected: () => true }),
      MalformedInputError,
      'MALFORMED_INPUT',
      /^model\.safetensors: tensor "ln_f\.weight" has dtype F16, expected F32 or BF16$/,
    ));

  it('a wrong shape is reported with expected vs got', () =>
    expectSpecError(
      () => checkStateDict(sd, { ...expected, 'wte.weight': { shape: [2, 4], dtype: 'F32' } }, SOURCE, { allowUnexpected: () => true }),
      MalformedInputError,
      'MALFORMED_INPUT',
      /^model\.safetensors: tensor "wte\.weight" has shape \[4, 2\], expected \[2, 4\]$/,
    ));
});

// ---------------------------------------------------------------------------------------------

describe('toFloat32 and toNumbers decode the stored values', () => {
  it('F16 bits: 1.0, −2.5, 65504 (largest finite), 2^−24 (smallest subnormal), −0, ±∞, NaN', () => {
    const t: SafeTensor = { dtype: 'F16', shape: [8], data: new Uint16Array([0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00]) };
    expect(Array.from(toFloat32(t))).toEqual([1, -2.5, 65504, Math.fround(2 ** -24), -0, Infinity, -Infinity, NaN]);
    expect(toNumbers(t)).toEqual([1, -2.5, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN]);
  });

  it('BF16 bits: 1.0, −2.5, 3.3895e38 (largest finite), 2^−133 (smallest subnormal)', () => {
    const t: SafeTensor = { dtype: 'BF16', shape: [4], data: new Uint16Array([0x3f80, 0xc020, 0x7f7f, 0x0001]) };
    expect(Array.from(toFloat32(t))).toEqual([1, -2.5, (2 - 2 ** -7) * 2 ** 127, 2 ** -133]);
    expect(toNumbers(t)).toEqual([1, -2.5, (2 - 2 ** -7) * 2 ** 127, 2 ** -133]);
  });

  it('F32 comes back as is, F64 is rounded to the nearest float32', () => {
    const t = f32([2], [0.5, 3]);
    expect(toFloat32(t)).toBe(t.data);
    expect(Array.from(toFloat32({ dtype: 'F64', shape: [2], data: new Float64Array([0.1, 1e40]) }))).toEqual([Math.fround(0.1), Infinity]);
  });

  it('toFloat32 refuses integer tensors with a named error', () => {
    for (const dtype of ['I32', 'I64', 'U8', 'BOOL'] as const) {
      const data = dtype === 'I64' ? new BigInt64Array(1) : dtype === 'I32' ? new Int32Array(1) : new Uint8Array(1);
      expectSpecError(() => toFloat32({ dtype, shape: [1], data }), ArgumentError, 'BAD_ARGUMENT', new RegExp(`toFloat32 needs a floating-point tensor \\(F32, F64, F16, BF16\\), got dtype ${dtype}`));
    }
  });

  it('toNumbers converts I64 within ±(2^53 − 1) and refuses 2^53 with RangeArgumentError', () => {
    expect(toNumbers({ dtype: 'I64', shape: [2], data: new BigInt64Array([2n ** 53n - 1n, -(2n ** 53n) + 1n]) })).toEqual([2 ** 53 - 1, -(2 ** 53) + 1]);
    expectSpecError(
      () => toNumbers({ dtype: 'I64', shape: [3], data: new BigInt64Array([0n, 1n, 2n ** 53n]) }),
      RangeArgumentError,
      'OUT_OF_RANGE',
      /I64 value 9007199254740992 at flat index 2 is beyond Number\.MAX_SAFE_INTEGER/,
    );
    expectSpecError(() => toNumbers({ dtype: 'I64', shape: [1], data: new BigInt64Array([-(2n ** 63n)]) }), RangeArgumentError, 'OUT_OF_RANGE', /I64 value -9223372036854775808 at flat index 0/);
  });

  it('toNumbers of BOOL and small integers', () => {
    expect(toNumbers({ dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) })).toEqual([1, 0]);
    expect(toNumbers({ dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) })).toEqual([-128, 127]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const dtypeArb: fc.Arbitrary<SafeDType> = fc.constantFrom(...ALL_DTYPES);
/** Any tensor of ≤ 3 dimensions of size ≤ 4, with arbitrary bit patterns (NaN payloads, −0, ...). */
const tensorArb: fc.Arbitrary<SafeTensor> = fc
  .record({ dtype: dtypeArb, shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const bytes = shape.reduce((p, d) => p * d, 1) * dtypeSize(dtype);
    return fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b): SafeTensor => ({ dtype, shape, data: fromBytes(dtype, b) }));
  });
/** Names and metadata over all of Unicode (multi-byte UTF-8, control characters, quotes). */
const text: fc.Arbitrary<string> = fc.string({ unit: 'binary', maxLength: 6 });
const tensorSetArb: fc.Arbitrary<Record<string, SafeTensor>> = fc.dictionary(
  text.filter((k) => k !== '__metadata__'),
  tensorArb,
  { maxKeys: 5, noNullPrototype: true },
);
const metadataArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true });

/** What every successful parse guarantees: the tensors cover the data section exactly and re-serialize. */
function expectSelfConsistent(file: Uint8Array, parsed: ReturnType<typeof parseSafetensors>): void {
  const { n } = headerOf(file);
  const total = [...parsed.tensors.values()].reduce((s, t) => s + t.data.byteLength, 0);
  expect(total).toBe(file.length - 8 - n);
  const again = parseSafetensors(serializeSafetensors(parsed.tensors, parsed.metadata));
  expect(bitsOf(again.tensors)).toEqual(bitsOf(parsed.tensors));
  expect(again.metadata).toEqual(parsed.metadata);
}

/** Parses a corrupted file: a MalformedInputError is fine, any other error fails the spec. */
function parseOrRefuse(file: Uint8Array): ReturnType<typeof parseSafetensors> | 'refused' {
  try {
    return parseSafetensors(file, SOURCE);
  } catch (e) {
    if (e instanceof MalformedInputError && e.message.startsWith(`${SOURCE}: `)) return 'refused';
    throw e;
  }
}

describe('properties', () => {
  it('random tensor sets with random metadata round-trip bit for bit, and serializing is deterministic', () => {
    checkProperty<[Record<string, SafeTensor>, Record<string, string>]>('safetensors round trip', tensorSetArb, metadataArb, (tensors, metadata) => {
      const bytes = serializeSafetensors(tensors, metadata);
      expect(headerOf(bytes).n % 8).toBe(0);
      const back = parseSafetensors(bytes);
      expect(bitsOf(back.tensors)).toEqual(bitsOf(tensors));
      expect(back.metadata).toEqual(metadata);
      expect(serializeSafetensors(back.tensors, back.metadata)).toEqual(bytes);
    });
  });

  it('a random single-byte corruption of the length field or header parses self-consistently or throws MalformedInputError', () => {
    let refused = 0;
    checkProperty<[Record<string, SafeTensor>, Record<string, string>, number, number]>(
      'safetensors header corruption',
      tensorSetArb,
      metadataArb,
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      (tensors, metadata, at, byte) => {
        const file = serializeSafetensors(tensors, metadata);
        const corrupted = file.slice();
        const i = at % (8 + headerOf(file).n);
        corrupted[i] = byte;
        const r = parseOrRefuse(corrupted);
        if (r === 'refused') refused++;
        else expectSelfConsistent(corrupted, r);
        if (corrupted[i] === file[i]) expect(r).not.toBe('refused');
      },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('exhaustively: every byte value at every header position of a small file parses self-consistently or throws MalformedInputError', () => {
    const file = serializeSafetensors(
      { 'h.0.w': f32([2], [1, -2]), b: { dtype: 'I64', shape: [1], data: new BigInt64Array([3n]) }, e: f32([0], []) },
      { format: 'pt' },
    );
    const original = bitsOf(parseSafetensors(file).tensors);
    const headerEnd = 8 + headerOf(file).n;
    let parsed = 0;
    let same = 0;
    let refused = 0;
    for (let i = 0; i < headerEnd; i++) {
      for (let byte = 0; byte < 256; byte++) {
        const corrupted = file.slice();
        corrupted[i] = byte;
        const r = parseOrRefuse(corrupted);
        if (r === 'refused') {
          refused++;
          continue;
        }
        parsed++;
        const bits = bitsOf(r.tensors);
        if (JSON.stringify(bits) === JSON.stringify(original)) same++;
        else expectSelfConsistent(corrupted, r);
      }
    }
    expect(parsed + refused).toBe(headerEnd * 256);
    expect(same).toBeGreaterThanOrEqual(headerEnd); // at least the unchanged byte at every position
    expect(refused).toBeGreaterThan(parsed);
  });

  it('corrupting the data section never makes a valid file unreadable: values are data, not claims', () => {
    checkProperty<[Record<string, SafeTensor>, number, number]>('safetensors data corruption', tensorSetArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (tensors, at, byte) => {
      const file = serializeSafetensors(tensors);
      const start = 8 + headerOf(file).n;
      if (file.length === start) return;
      const corrupted = file.slice();
      corrupted[start + (at % (file.length - start))] = byte;
      const back = parseSafetensors(corrupted);
      expect(Object.keys(bitsOf(back.tensors))).toEqual(Object.keys(bitsOf(tensors)));
    });
  });
});
