/**
 * safetensors at real size (issue 14, finding 7), on the reader of src/core/safetensors.ts:
 *   - a file over 2 GiB (one Node Buffer cannot hold it) is read through its file handle: the
 *     header first, then a tensor's bytes only when asked for; `params --weights` counts a
 *     checkpoint's elements from its header alone. The 3 GiB file here is sparse (its data are a
 *     hole), so it costs no disk and no time;
 *   - reading every tensor checks the memory limit against the header's data size first;
 *   - the number of tensors is capped (TRANSFORMER_SPEC_MAX_TENSORS, 100,000 by default): the
 *     header reader stops at the first entry past the cap instead of parsing 1.5 million;
 *   - a header whose parsing would need more memory than the limit is refused before it is read;
 *   - a lone UTF-16 surrogate in a name or in __metadata__ is refused (decision: the string is not
 *     Unicode text, cannot be written back as UTF-8, and the format's reference reader — Rust's
 *     serde_json — refuses it too); the writer refuses to produce one.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, MalformedInputError, ResourceLimitError } from '../../src/core/errors.js';
import { withLimits } from '../../src/core/limits.js';
import { openSafetensors, parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors } from '../../src/core/safetensors.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';
import { withEnv } from '../_helpers/env.js';
import { expectSpecError } from '../_helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file from a header object and the data section's length; only `tail` bytes at its end are written (the rest is a hole). */
function sparseFile(name: string, header: object, dataLength: number, tail: Uint8Array = new Uint8Array(0)): string {
  const path = join(dir, name);
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, length, 0, 8, 0);
    writeSync(fd, json, 0, json.length, 8);
    writeSync(fd, tail, 0, tail.length, 8 + json.length + dataLength - tail.length); // extends the file; the gap is a hole
  } finally {
    closeSync(fd);
  }
  return path;
}

const GiB = 2 ** 30;
const big = 3 * GiB;
const small = new Float32Array([1.5, -2]);
const bigFile = sparseFile(
  'three-gib.safetensors',
  { big: { dtype: 'U8', shape: [big], data_offsets: [0, big] }, small: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] }, __metadata__: { format: 'pt' } },
  big + 8,
  new Uint8Array(small.buffer),
);

describe('a 3 GiB file, read lazily through its file handle', () => {
  it('the header alone: names, dtypes, shapes, offsets, metadata; the data section is 3 GiB + 8 bytes', () => {
    const h = readSafetensorsHeader(bigFile);
    expect(h.entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end])).toEqual([
      ['big', 'U8', [big], 0, big],
      ['small', 'F32', [2], big, big + 8],
    ]);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.dataLength).toBe(big + 8);
    expect(h.size).toBe(h.dataStart + big + 8);
  });

  it('one tensor past the 2 GiB mark, read on demand, bit for bit', () => {
    const f = openSafetensors(bigFile);
    try {
      expect(f.read('small')).toEqual({ dtype: 'F32', shape: [2], data: small });
      expectSpecError(() => f.read('absent'), MalformedInputError, 'MALFORMED_INPUT', /no tensor named "absent"$/);
    } finally {
      f.close();
    }
  });

  it('reading every tensor is refused by the memory limit, from the header, before any data are read', () => {
    expectSpecError(() => readSafetensors(bigFile), ResourceLimitError, 'OVER_LIMIT', /three-gib\.safetensors: reading every tensor \(3\.00 GiB of data\) needs about 3\.00 GiB, more than the memory limit of 1 GiB/);
  });

  it('params --weights counts 3,221,225,474 elements from the header; --json writes exact digits; forward refuses it by name', async () => {
    const r = await cli('params', '--weights', bigFile, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ weights: bigFile, tensors: 2, total: big + 2, bytes: big + 8, dtypes: { U8: { tensors: 1, elements: big }, F32: { tensors: 1, elements: 2 } }, metadata: { format: 'pt' } });
    const text = await cli('params', '--weights', bigFile);
    expect(text.stdout).toMatch(/total\s+3,221,225,474 elements/);
    await expectUsageFailure(['params', '--weights', bigFile, '--lora', 'r=8,targets=c_attn'], /^error: --lora needs a MODEL/);
    await expectUsageFailure(['forward', '--model', 'tinygpt', '--config', 'examples/tinygpt.config.json', '--weights', bigFile, '--tokens', '[1]'], /^error: --weights .*three-gib\.safetensors: reading every tensor \(3\.00 GiB of data\) needs about/);
  });
});

describe('caps on the header', () => {
  const entries = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, { dtype: 'F32', shape: [0], data_offsets: [0, 0] }]));

  it('more tensors than TRANSFORMER_SPEC_MAX_TENSORS: refused at the first entry past the cap (metadata does not count)', async () => {
    await withEnv('TRANSFORMER_SPEC_MAX_TENSORS', '100', () => {
      expect(readSafetensorsHeader(sparseFile('hundred.safetensors', { __metadata__: { a: 'b' }, ...entries(100) }, 0)).entries).toHaveLength(100);
      expectSpecError(
        () => readSafetensorsHeader(sparseFile('hundred-and-one.safetensors', entries(101), 0)),
        ResourceLimitError,
        'OVER_LIMIT',
        /hundred-and-one\.safetensors: the header lists more than 100 tensors, the limit on tensors per safetensors file; raise it with TRANSFORMER_SPEC_MAX_TENSORS=N$/,
      );
    });
  });

  it('a header whose parsing would need more than the memory limit is refused before it is read', async () => {
    const path = sparseFile('wide-header.safetensors', entries(50), 0);
    await withLimits({ memory: 1024 }, async () => {
      expectSpecError(() => readSafetensorsHeader(path), ResourceLimitError, 'OVER_LIMIT', /wide-header\.safetensors: reading a .* safetensors header needs about .*, more than the memory limit of 1 KiB/);
    });
  });
});

describe('lone surrogates: refused by the reader and the writer', () => {
  const withHeader = (json: string) => {
    const text = Buffer.from(json);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    return new Uint8Array(Buffer.concat([length, text]));
  };

  it('\\ud800 alone in __metadata__, in a metadata key or in a tensor name: MalformedInputError; a proper pair is fine', () => {
    for (const json of ['{"__metadata__":{"k":"\\ud800"}}', '{"__metadata__":{"\\udc00x":"v"}}', '{"a\\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}']) {
      expectSpecError(() => parseSafetensors(withHeader(json), 'm.safetensors'), MalformedInputError, 'MALFORMED_INPUT', /^m\.safetensors: header is not valid JSON: the string .* holds a lone UTF-16 surrogate/);
    }
    expect(parseSafetensors(withHeader('{"__metadata__":{"k":"\\ud83d\\ude00"}}')).metadata).toEqual({ k: '😀' });
  });

  it('the writer will not write one (it would come back as U+FFFD, a different string)', () => {
    expectSpecError(() => serializeSafetensors({}, { k: '\ud800' }), ArgumentError, 'BAD_ARGUMENT', /metadata\["k"\] holds a lone UTF-16 surrogate/);
    expectSpecError(() => serializeSafetensors({ ['w\udfff']: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }), ArgumentError, 'BAD_ARGUMENT', /holds a lone UTF-16 surrogate/);
    writeFileSync(join(dir, 'ok.safetensors'), serializeSafetensors({}, { k: '😀' }));
    expect(readSafetensors(join(dir, 'ok.safetensors')).metadata).toEqual({ k: '😀' });
  });
});
