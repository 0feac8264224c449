/**
 * safetensors files (Hugging Face's tensor container), read as untrusted input and written
 * deterministically.
 *
 * Layout of a file of S bytes:
 *
 *   bytes [0, 8)          N, the header length: an unsigned 64-bit integer, little-endian
 *   bytes [8, 8 + N)      the header: UTF-8 JSON text of one object, starting with '{' and
 *                         possibly followed by whitespace padding (writers pad with 0x20 so that
 *                         the data section starts on a multiple of 8)
 *   bytes [8 + N, S)      the data section: raw little-endian, row-major ('C' order) tensor bytes
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end)}, where the
 * offsets count bytes from the start of the data section and end is exclusive. One reserved key,
 * "__metadata__", may hold an object whose values are all strings. A scalar has shape []; a
 * tensor with a 0 in its shape is legal and occupies no bytes (begin = end).
 *
 * Every number in a file is a claim to be checked before it is used. `parseSafetensors` refuses,
 * with a MalformedInputError whose message starts with the source and names the problem:
 *   - a file shorter than the 8-byte length field;
 *   - a header length over 100 000 000 bytes, or longer than the bytes that follow the field;
 *   - a header that is empty, does not start with '{', is not UTF-8, is not JSON, has text after
 *     the object, nests absurdly deep, or repeats a key in any object (JSON.parse would silently
 *     keep the last one, so the header is read by the strict parser below);
 *   - numbers written with a fraction, an exponent or as -0 (the format's numbers are plain
 *     non-negative integers);
 *   - an entry that is not exactly {dtype, shape, data_offsets}, an unknown dtype, a shape that is
 *     not a list of non-negative safe integers, data_offsets that are not [begin, end] with safe
 *     integers 0 ≤ begin ≤ end, an end past the data section, or end − begin different from
 *     product(shape) × (bytes per element);
 *   - tensors whose byte ranges overlap, and any byte of the data section that belongs to no tensor
 *     (a hole between tensors, before the first one, or trailing bytes): the format requires the
 *     data section to be covered exactly, which rules out polyglot files;
 *   - a "__metadata__" that is not an object of strings;
 *   - a string (a name, a metadata key or value) holding a lone UTF-16 surrogate (written as an
 *     escape such as \ud800): it is not Unicode text, cannot be encoded back to UTF-8, and the
 *     format's reference reader (Rust's serde_json) refuses it too.
 * Limits (src/core/limits.ts), each a ResourceLimitError: more tensors than the limit on tensors
 * per file (100,000 by default; the header is read entry by entry and refused as soon as it
 * passes the limit), and a header whose parsing would need more memory than the memory limit.
 * Tensor values themselves are not checked (NaN and ±∞ are legal data).
 *
 * Files are read lazily through a file handle (`openSafetensors`): the 8-byte length, then the
 * header, then each tensor's bytes only when asked for — so a file of any size (over 2 GiB, which
 * one read into a Node Buffer cannot hold) can be inspected from its header alone
 * (`readSafetensorsHeader`, what `params --weights` uses), and `readSafetensors` checks the memory
 * the tensors need before reading them. Data are copied into fresh typed arrays (a tensor may
 * start at any byte offset, which a Float64Array or BigInt64Array view could not), so the returned
 * tensors never alias the input buffer. F16 and BF16 are kept as raw 16-bit patterns;
 * `toFloat32` / `toNumbers` decode.
 *
 * Rules taken from the format description in huggingface/safetensors (README.md, "Format";
 * docs/safetensors.schema.json) and its reference reader (safetensors/src/tensor.rs). This writer
 * orders tensors by name; the reference writer orders them by decreasing dtype alignment, then by
 * name. Both layouts are valid files and read the same.
 */
import { writeFileAtomic } from './atomic-write.js';
import { ArgumentError, MalformedInputError, RangeArgumentError, ResourceLimitError, ShapeError } from './errors.js';
import { openRegularFile, type OpenFile } from './files.js';
import { checkMemory, formatBytes, LIMITS, limit } from './limits.js';
import { formatShape, sameShape } from './shape.js';

// ---------------------------------------------------------------------------------------------
// Types

/** The element types this module reads and writes (a subset of the format's list). */
export type SafeDType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The typed array that holds each dtype; F16 and BF16 are raw 16-bit patterns in a Uint16Array. */
export type SafeData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

/**
 * One tensor: dtype, shape (outermost first) and its elements in row-major order.
 * `data.length` is the product of `shape` (1 for a scalar, shape []).
 */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  /** Float32Array (F32), Float64Array (F64), Uint16Array (F16/BF16 raw bits), BigInt64Array (I64),
   *  Int32Array (I32), Int16Array (I16), Int8Array (I8), Uint8Array (U8, BOOL as 0/1 bytes). */
  data: SafeData;
}

/** What a checkpoint should hold under one name: its shape and the dtype (or dtypes) accepted. */
export interface ExpectedTensor {
  shape: number[];
  dtype: SafeDType | SafeDType[];
}

interface DTypeInfo {
  /** Bytes per element. */
  size: number;
  /** The typed array the data live in. */
  array: new (buffer: ArrayBuffer) => SafeData;
  arrayName: string;
}

const DTYPES: Record<SafeDType, DTypeInfo> = {
  F64: { size: 8, array: Float64Array, arrayName: 'Float64Array' },
  I64: { size: 8, array: BigInt64Array, arrayName: 'BigInt64Array' },
  F32: { size: 4, array: Float32Array, arrayName: 'Float32Array' },
  I32: { size: 4, array: Int32Array, arrayName: 'Int32Array' },
  F16: { size: 2, array: Uint16Array, arrayName: 'Uint16Array' },
  BF16: { size: 2, array: Uint16Array, arrayName: 'Uint16Array' },
  I16: { size: 2, array: Int16Array, arrayName: 'Int16Array' },
  I8: { size: 1, array: Int8Array, arrayName: 'Int8Array' },
  U8: { size: 1, array: Uint8Array, arrayName: 'Uint8Array' },
  BOOL: { size: 1, array: Uint8Array, arrayName: 'Uint8Array' },
};
const DTYPE_NAMES = Object.keys(DTYPES) as SafeDType[];

const isSafeDType = (x: unknown): x is SafeDType => typeof x === 'string' && Object.hasOwn(DTYPES, x);

/** Bytes per element of a dtype (BOOL takes a whole byte). */
export function dtypeSize(dtype: SafeDType): number {
  return DTYPES[dtype].size;
}

/** The format's reserved header key for string metadata. */
export const METADATA_KEY = '__metadata__';
/** Largest header accepted, in bytes: the limit of the reference reader. */
export const MAX_HEADER_BYTES = 100_000_000;
/** A valid header nests 3 deep (object → entry → list); anything far deeper is an attack. */
const MAX_JSON_DEPTH = 32;
const LENGTH_FIELD = 8;
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'] as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// A strict JSON reader for the header
//
// JSON.parse keeps the last of two equal keys and turns 1e2 into 100 without a word; the format
// forbids duplicates and only ever writes plain integers. Objects become Maps (so a key such as
// "__proto__" is just a key), numbers keep their spelling when it is not a plain integer.

/** A number spelled with a fraction, an exponent or as -0: never a valid size or offset. */
class NonPlainNumber {
  constructor(readonly lexeme: string) {}
}
type Json = null | boolean | number | string | NonPlainNumber | Json[] | JsonObject;
type JsonObject = Map<string, Json>;

const isObject = (v: Json): v is JsonObject => v instanceof Map;

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class HeaderReader {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
    /** Most tensors the top-level object may list (__metadata__ does not count). */
    private readonly maxTensors = Infinity,
  ) {}

  private tensors = 0;

  /** Parses the whole text as one JSON value followed only by whitespace. */
  read(): Json {
    const v = this.value('the header');
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON object');
    return v;
  }

  private fail(problem: string): never {
    throw new MalformedInputError(`${this.source}: header is not valid JSON: ${problem} at character ${this.pos}`);
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  private value(where: string): Json {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(where);
    if (c === '[') return this.array(where);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    this.fail(c === undefined ? 'unexpected end of text' : `unexpected character ${JSON.stringify(c)}`);
  }

  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private object(where: string): JsonObject {
    this.enter();
    this.pos++; // '{'
    const out: JsonObject = new Map();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a quoted key');
      const key = this.string();
      if (this.depth === 1 && key !== METADATA_KEY && ++this.tensors > this.maxTensors) {
        throw new ResourceLimitError(`${this.source}: the header lists more than ${this.maxTensors.toLocaleString('en-US')} tensors, the ${LIMITS.tensors.what}; raise it with ${LIMITS.tensors.raise}`);
      }
      if (out.has(key)) {
        throw new MalformedInputError(`${this.source}: duplicate key ${JSON.stringify(key)} in ${where}; the format forbids repeated keys`);
      }
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after a key");
      this.pos++;
      out.set(key, this.value(where === 'the header' ? `the entry ${JSON.stringify(key)}` : `${where}.${key}`));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}' in an object");
      }
    }
    this.depth--;
    return out;
  }

  private array(where: string): Json[] {
    this.enter();
    this.pos++; // '['
    const out: Json[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value(`${where}[${out.length}]`));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === ']') break;
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']' in a list");
      }
    }
    this.depth--;
    return out;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos++; // opening quote
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('raw control character in a string');
      this.pos += c === 0x5c ? 2 : 1; // a backslash escapes the next character
    }
    this.pos++; // closing quote
    let s: string;
    try {
      s = JSON.parse(t.slice(start, this.pos)) as string; // decodes (and checks) the escapes
    } catch {
      this.pos = start;
      return this.fail('bad escape sequence in a string');
    }
    if (LONE_SURROGATE.test(s)) {
      this.pos = start;
      this.fail(`the string ${t.slice(start, Math.min(this.pos + 40, t.length))}${this.pos + 40 < t.length ? '…' : ''} holds a lone UTF-16 surrogate, which is not Unicode text (the format's reference reader refuses it too)`);
    }
    return s;
  }

  private number(): number | NonPlainNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('malformed number');
    this.pos += m[0].length;
    const isPlain = m[1] === undefined && m[2] === undefined && m[0] !== '-0';
    return isPlain ? Number(m[0]) : new NonPlainNumber(m[0]);
  }
}

/** A short rendering of a header value for error messages. */
function render(v: Json): string {
  const text = (x: Json): string =>
    x instanceof NonPlainNumber
      ? x.lexeme
      : isObject(x)
        ? `{${[...x].map(([k, y]) => `${JSON.stringify(k)}:${text(y)}`).join(',')}}`
        : Array.isArray(x)
          ? `[${x.map(text).join(',')}]`
          : JSON.stringify(x);
  const s = text(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const isIndex = (x: Json): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

// ---------------------------------------------------------------------------------------------
// Reading

/** One tensor as the header describes it: where its bytes lie in the data section. */
export interface SafeEntry {
  name: string;
  dtype: SafeDType;
  shape: number[];
  /** Byte range [begin, end) from the start of the data section. */
  begin: number;
  end: number;
}

/** A checked header: the tensors in header order, the metadata, and where the data section starts. */
export interface SafeHeader {
  entries: SafeEntry[];
  metadata: Record<string, string>;
  /** File offset of the data section (8 + header length). */
  dataStart: number;
  /** Bytes in the data section. */
  dataLength: number;
}

/** Memory the header reader needs per header byte, at most: the text (UTF-16) and the values it parses into. */
const HEADER_BYTES_OF_MEMORY = 8;

/**
 * Checks the 8-byte length field against the file size; returns the header length.
 * @throws MalformedInputError (absurd or too long for the file), ResourceLimitError (over the memory limit)
 */
function headerLength(lengthField: Uint8Array, size: number, bad: (problem: string) => never, source: string): number {
  if (size < LENGTH_FIELD) bad(`file is ${size} bytes, shorter than the ${LENGTH_FIELD}-byte header length field`);
  const n64 = new DataView(lengthField.buffer, lengthField.byteOffset, LENGTH_FIELD).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n64} is absurd: more than the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (n > size - LENGTH_FIELD) bad(`header length ${n} is larger than the file: only ${size - LENGTH_FIELD} bytes follow the length field`);
  if (n === 0) bad('header is empty (header length 0); it must hold a JSON object');
  checkMemory(`${source}: reading a ${formatBytes(n)} safetensors header`, n * HEADER_BYTES_OF_MEMORY);
  return n;
}

/**
 * Parses and checks a header (the bytes after the length field) for a file whose data section is
 * `dataLength` bytes: every rule of the module header except the data itself.
 */
function parseHeader(headerBytes: Uint8Array, dataStart: number, dataLength: number, source: string): SafeHeader {
  const bad = (problem: string): never => {
    throw new MalformedInputError(`${source}: ${problem}`);
  };
  if (headerBytes[0] !== 0x7b) bad(`header must begin with '{' (0x7B), got byte 0x${headerBytes[0].toString(16).padStart(2, '0').toUpperCase()}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return bad('header is not valid UTF-8');
  }
  const header = new HeaderReader(text, source, limit('tensors')).read();
  if (!isObject(header)) return bad(`header is not a JSON object, got ${render(header)}`);

  // --- entries
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: SafeEntry[] = [];
  for (const [name, value] of header) {
    const what = `entry ${JSON.stringify(name)}`;
    if (name === METADATA_KEY) {
      if (!isObject(value)) bad(`${METADATA_KEY} must be an object whose values are strings, got ${render(value)}`);
      for (const [k, v] of value as JsonObject) {
        if (typeof v !== 'string') bad(`${METADATA_KEY}[${JSON.stringify(k)}] must be a string, got ${render(v)}; metadata values are all strings`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (!isObject(value)) bad(`${what} must be an object {dtype, shape, data_offsets}, got ${render(value)}`);
    const e = value as JsonObject;
    for (const key of ENTRY_KEYS) if (!e.has(key)) bad(`${what} is missing the key "${key}"; an entry is {dtype, shape, data_offsets}`);
    const extra = [...e.keys()].filter((k) => !(ENTRY_KEYS as readonly string[]).includes(k));
    if (extra.length > 0) bad(`${what} has unexpected key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}; an entry is exactly {dtype, shape, data_offsets}`);

    const dtype = e.get('dtype') as Json;
    if (!isSafeDType(dtype)) bad(`${what} has unknown dtype ${render(dtype)}; supported: ${DTYPE_NAMES.join(', ')}`);
    const shape = e.get('shape') as Json;
    if (!Array.isArray(shape) || !shape.every(isIndex)) bad(`${what} has shape ${render(shape)}, which is not a list of non-negative safe integers`);
    const offsets = e.get('data_offsets') as Json;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || (offsets[0] as number) > (offsets[1] as number)) {
      bad(`${what} has data_offsets ${render(offsets)}, which is not [begin, end] with safe integers 0 ≤ begin ≤ end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) bad(`${what} has data_offsets [${begin}, ${end}], whose end is past the end of the data section (${dataLength} bytes)`);
    const dims = shape as number[];
    const info = DTYPES[dtype as SafeDType];
    // BigInt: the product of safe integers can exceed 2^53 before a 0 dimension brings it back.
    const needed = dims.reduce((p, d) => p * BigInt(d), 1n) * BigInt(info.size);
    if (needed !== BigInt(end - begin)) {
      bad(`${what} has ${end - begin} data bytes (data_offsets [${begin}, ${end}]) but shape ${formatShape(dims)} × ${dtype} (${info.size} byte${info.size > 1 ? 's' : ''} each) needs ${needed}`);
    }
    entries.push({ name, dtype: dtype as SafeDType, shape: dims, begin, end });
  }

  // --- the data section must be covered exactly: no overlaps, no holes, no trailing bytes
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: SafeEntry | undefined;
  for (const e of byOffset) {
    if (e.begin < covered && previous) {
      bad(`tensors ${JSON.stringify(previous.name)} (bytes [${previous.begin}, ${previous.end})) and ${JSON.stringify(e.name)} (bytes [${e.begin}, ${e.end})) overlap`);
    }
    if (e.begin > covered) {
      const where = previous ? `between ${JSON.stringify(previous.name)} and ${JSON.stringify(e.name)}` : `before ${JSON.stringify(e.name)}`;
      bad(`hole in the data section: bytes [${covered}, ${e.begin}) ${where} belong to no tensor`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered < dataLength) bad(`trailing bytes: bytes [${covered}, ${dataLength}) of the data section belong to no tensor`);
  return { entries, metadata: { ...metadata }, dataStart, dataLength };
}

/** A tensor from its little-endian bytes (a fresh buffer: offset 0 is aligned for every dtype). */
function tensorFromBytes(e: SafeEntry, bytes: Uint8Array): SafeTensor {
  const info = DTYPES[e.dtype];
  if (!LITTLE_ENDIAN) swapBytes(bytes, info.size);
  return { dtype: e.dtype, shape: e.shape, data: new info.array(bytes.buffer as ArrayBuffer) };
}

/**
 * Parses the bytes of a safetensors file, checking every claim the file makes (see the module
 * header for the list). Tensors come back in header order, each with freshly allocated data.
 *
 * @param bytes  the whole file
 * @param source how to name the file in error messages (a path, a URL)
 * @throws MalformedInputError naming the source and the first problem found
 *
 * @example
 *   const { tensors } = parseSafetensors(serializeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }));
 *   tensors.get('w')?.data; // returns Float32Array [1]
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = '<buffer>',
): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  const bad = (problem: string): never => {
    throw new MalformedInputError(`${source}: ${problem}`);
  };
  const n = headerLength(bytes.subarray(0, LENGTH_FIELD), bytes.length, bad, source);
  const dataStart = LENGTH_FIELD + n;
  const header = parseHeader(bytes.subarray(LENGTH_FIELD, dataStart), dataStart, bytes.length - dataStart, source);
  const tensors = new Map<string, SafeTensor>();
  for (const e of header.entries) tensors.set(e.name, tensorFromBytes(e, bytes.slice(dataStart + e.begin, dataStart + e.end)));
  return { tensors, metadata: header.metadata };
}

/** An open safetensors file: its checked header, and its tensors read on demand. */
export interface SafetensorsFile extends SafeHeader {
  path: string;
  /** Total file size in bytes. */
  size: number;
  /** Reads one tensor's bytes from the file (a MalformedInputError for an unknown name). */
  read(name: string): SafeTensor;
  close(): void;
}

/**
 * Opens a safetensors file of any size and checks its header; no tensor data are read yet.
 * Close it when done (or use readSafetensorsHeader / readSafetensors, which do).
 * @throws FileAccessError (missing, not a regular file, …), MalformedInputError, ResourceLimitError
 */
export function openSafetensors(path: string): SafetensorsFile {
  const f: OpenFile = openRegularFile(path);
  try {
    const bad = (problem: string): never => {
      throw new MalformedInputError(`${path}: ${problem}`);
    };
    const n = headerLength(f.read(0, Math.min(LENGTH_FIELD, f.size)), f.size, bad, path);
    const dataStart = LENGTH_FIELD + n;
    const header = parseHeader(f.read(LENGTH_FIELD, n), dataStart, f.size - dataStart, path);
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    return {
      ...header,
      path,
      size: f.size,
      read(name: string): SafeTensor {
        const e = byName.get(name);
        if (!e) throw new MalformedInputError(`${path}: no tensor named ${JSON.stringify(name)}`);
        return tensorFromBytes(e, f.read(dataStart + e.begin, e.end - e.begin));
      },
      close: () => f.close(),
    };
  } catch (e) {
    f.close();
    throw e;
  }
}

/**
 * The checked header of a safetensors file: names, dtypes, shapes and metadata, without reading
 * any tensor data (a 14 GB checkpoint costs one read of its header).
 */
export function readSafetensorsHeader(path: string): SafeHeader & { size: number } {
  const f = openSafetensors(path);
  f.close();
  const { entries, metadata, dataStart, dataLength, size } = f;
  return { entries, metadata, dataStart, dataLength, size };
}

/**
 * Reads and parses a safetensors file; error messages start with `path`. The tensors' bytes must
 * fit the memory limit (checked from the header, before reading them).
 * @throws MalformedInputError for a malformed file, FileAccessError for a file-system failure,
 *   ResourceLimitError over a limit
 */
export function readSafetensors(path: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  const f = openSafetensors(path);
  try {
    checkMemory(`${path}: reading every tensor (${formatBytes(f.dataLength)} of data)`, f.dataLength);
    const tensors = new Map<string, SafeTensor>();
    for (const e of f.entries) tensors.set(e.name, f.read(e.name));
    return { tensors, metadata: f.metadata };
  } finally {
    f.close();
  }
}

/** Reverses the bytes of every `size`-byte element in place (for big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Checks one tensor handed to the writer; returns its data as little-endian bytes. */
function tensorBytes(name: string, t: SafeTensor): Uint8Array {
  if (LONE_SURROGATE.test(name)) throw new ArgumentError(`tensor name ${JSON.stringify(name)} holds a lone UTF-16 surrogate: it cannot be written as UTF-8 (the reader would refuse it)`);
  if (name === METADATA_KEY) throw new ArgumentError(`tensor name ${JSON.stringify(METADATA_KEY)} is reserved for metadata`);
  if (!isSafeDType(t.dtype)) throw new ArgumentError(`tensor ${JSON.stringify(name)} has unknown dtype ${JSON.stringify(t.dtype)}; supported: ${DTYPE_NAMES.join(', ')}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(`tensor ${JSON.stringify(name)} has shape ${JSON.stringify(t.shape)}, which is not a list of non-negative safe integers`);
  }
  const info = DTYPES[t.dtype];
  if (!(t.data instanceof info.array)) {
    throw new ArgumentError(`tensor ${JSON.stringify(name)} has dtype ${t.dtype}, so its data must be a ${info.arrayName}, got ${(t.data as object)?.constructor?.name ?? typeof t.data}`);
  }
  const count = t.shape.reduce((p, d) => p * d, 1);
  if (t.data.length !== count) {
    throw new ShapeError(`tensor ${JSON.stringify(name)} has shape ${formatShape(t.shape)} (${count} elements) but ${t.data.length} data elements`);
  }
  const view = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapBytes(copy, info.size);
  return copy;
}

/**
 * Serializes tensors to safetensors bytes, deterministically: tensors sorted by name (UTF-16 code
 * units), offsets contiguous from 0, compact JSON, the header padded with spaces to a multiple
 * of 8 bytes so the data section starts 8-aligned. `__metadata__` is written only when non-empty,
 * with its keys sorted.
 *
 * @throws ArgumentError for a reserved name, an unknown dtype, a bad shape, a data array of the
 *   wrong class or a non-string metadata value; ShapeError when data length ≠ product(shape)
 *
 * @example
 *   serializeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }).length; // returns 68
 */
export function serializeSafetensors(
  tensors: Record<string, SafeTensor> | Map<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const named = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort();
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') throw new ArgumentError(`metadata[${JSON.stringify(k)}] must be a string, got ${JSON.stringify(metadata[k])}`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(metadata[k])) throw new ArgumentError(`metadata[${JSON.stringify(k)}] holds a lone UTF-16 surrogate: it cannot be written as UTF-8 (the reader would refuse it)`);
    }
    if (keys.length > 0) parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of named) {
    const b = tensorBytes(name, t);
    parts.push(`${JSON.stringify(name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + b.length}]}`);
    chunks.push(b);
    offset += b.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8; // pad so the data section starts on an 8-byte boundary
  const out = new Uint8Array(LENGTH_FIELD + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, LENGTH_FIELD);
  out.fill(0x20, LENGTH_FIELD + json.length, LENGTH_FIELD + n);
  let at = LENGTH_FIELD + n;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Serializes with `serializeSafetensors` and writes the bytes to `path` atomically (src/core/atomic-write.ts). */
export function writeSafetensors(
  path: string,
  tensors: Record<string, SafeTensor> | Map<string, SafeTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

// ---------------------------------------------------------------------------------------------
// Converting

/**
 * IEEE 754 binary16 bits → number:  (−1)^s · 2^(e−15) · (1 + f/1024)  for 0 < e < 31,
 * (−1)^s · 2^−14 · f/1024 for subnormals (e = 0), ±∞ / NaN for e = 31.
 */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f === 0 ? sign * Infinity : NaN;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits are the top half of a float32: shift them up 16 bits and reinterpret. */
function bf16ToFloat32(bits: Uint16Array): Float32Array {
  const u32 = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) u32[i] = bits[i] << 16;
  return new Float32Array(u32.buffer);
}

/**
 * A floating-point tensor's values as float32: F32 returned as is (the same array, not a copy),
 * F64 rounded to nearest, F16 and BF16 decoded from their bits.
 * @throws ArgumentError for integer and BOOL tensors (use `toNumbers`)
 * @example toFloat32({ dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) }); // returns Float32Array [1]
 */
export function toFloat32(t: SafeTensor): Float32Array {
  switch (t.dtype) {
    case 'F32':
      return t.data as Float32Array;
    case 'F64':
      return Float32Array.from(t.data as Float64Array);
    case 'F16':
      return Float32Array.from(t.data as Uint16Array, f16BitsToNumber);
    case 'BF16':
      return bf16ToFloat32(t.data as Uint16Array);
    default:
      throw new ArgumentError(`toFloat32 needs a floating-point tensor (F32, F64, F16, BF16), got dtype ${t.dtype}; use toNumbers for integers`);
  }
}

/**
 * Every element as a JS number, in row-major order (BOOL as 0/1, F16/BF16 decoded).
 * @throws RangeArgumentError for an I64 value beyond ±Number.MAX_SAFE_INTEGER, which a number
 *   cannot hold exactly
 * @example toNumbers({ dtype: 'I64', shape: [2], data: new BigInt64Array([1n, -2n]) }); // returns [1, -2]
 */
export function toNumbers(t: SafeTensor): number[] {
  switch (t.dtype) {
    case 'F16':
      return Array.from(t.data as Uint16Array, f16BitsToNumber);
    case 'BF16':
      return Array.from(bf16ToFloat32(t.data as Uint16Array));
    case 'I64': {
      const max = BigInt(Number.MAX_SAFE_INTEGER);
      return Array.from(t.data as BigInt64Array, (v, i) => {
        if (v > max || v < -max) {
          throw new RangeArgumentError(`I64 value ${v} at flat index ${i} is beyond Number.MAX_SAFE_INTEGER (2^53 − 1) and cannot be a number exactly`);
        }
        return Number(v);
      });
    }
    default:
      return Array.from(t.data as ArrayLike<number>);
  }
}

// ---------------------------------------------------------------------------------------------
// Checking a state dict against what a model expects

/**
 * Checks that a checkpoint holds exactly the expected tensors with the expected dtypes and shapes.
 * Missing and unexpected names are all listed (sorted) in one error; then the first dtype or
 * shape mismatch, in the order of `expected`, is reported with expected vs got.
 *
 * @param options.allowUnexpected names for which extra tensors are tolerated (e.g. buffers such
 *   as `attn.bias` that some checkpoints carry)
 * @throws MalformedInputError whose message starts with `source`
 */
export function checkStateDict(
  tensors: Map<string, SafeTensor>,
  expected: Record<string, ExpectedTensor>,
  source: string,
  options: { allowUnexpected?: (name: string) => boolean } = {},
): void {
  const names = Object.keys(expected);
  const missing = names.filter((k) => !tensors.has(k)).sort();
  const unexpected = [...tensors.keys()].filter((k) => !Object.hasOwn(expected, k) && !(options.allowUnexpected?.(k) ?? false)).sort();
  if (missing.length > 0 || unexpected.length > 0) {
    const list = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(', ');
    const problems = [
      ...(missing.length > 0 ? [`missing ${missing.length} key${missing.length > 1 ? 's' : ''}: ${list(missing)}`] : []),
      ...(unexpected.length > 0 ? [`unexpected ${unexpected.length} key${unexpected.length > 1 ? 's' : ''}: ${list(unexpected)}`] : []),
    ];
    throw new MalformedInputError(`${source}: state dict does not match the model: ${problems.join('; ')}`);
  }
  for (const name of names) {
    const want = expected[name];
    const got = tensors.get(name) as SafeTensor;
    const dtypes = Array.isArray(want.dtype) ? want.dtype : [want.dtype];
    if (!dtypes.includes(got.dtype)) {
      throw new MalformedInputError(`${source}: tensor ${JSON.stringify(name)} has dtype ${got.dtype}, expected ${dtypes.join(' or ')}`);
    }
    if (!sameShape(got.shape, want.shape)) {
      throw new MalformedInputError(`${source}: tensor ${JSON.stringify(name)} has shape ${formatShape(got.shape)}, expected ${formatShape(want.shape)}`);
    }
  }
}
