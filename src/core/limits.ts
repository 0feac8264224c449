/**
 * Upper limits on what one request may cost, checked before anything is allocated or read.
 *
 * A request states its size in its arguments (`--positions 1000000000`, `n_layer: 100000000`, a
 * header that claims 1.5 million tensors); every command estimates the memory the request needs
 * from those numbers alone and refuses it with a ResourceLimitError — naming the request, the
 * estimate, the limit and how to raise it — when the estimate is over the limit. Files are read
 * only when they are regular files no larger than the cap for their kind (src/core/files.ts).
 *
 *   limit                                    default          override
 *   memory a request is estimated to need    1 GiB            --max-memory SIZE (any CLI command),
 *                                                             TRANSFORMER_SPEC_MAX_MEMORY=SIZE
 *   a JSON config file (--config, params)    16 MiB           TRANSFORMER_SPEC_MAX_CONFIG_BYTES=SIZE
 *   a text file (metrics sentences, the      64 MiB           TRANSFORMER_SPEC_MAX_TEXT_BYTES=SIZE
 *     tutorial)
 *   tensors in one safetensors file          100,000          TRANSFORMER_SPEC_MAX_TENSORS=N
 *   a safetensors header                     100,000,000 B    — (the format's own limit)
 *   safetensors weights read in full         the memory limit (a header alone is read for params --weights)
 *
 * SIZE is a byte count with an optional binary unit: 1073741824, 512MiB, 2GiB (K/M/G/T also mean
 * KiB/MiB/GiB/TiB). Estimates count the bytes of the arrays a request builds (8 per float64, 4 per
 * float32) and of the text or JSON it prints (about 24 bytes per printed number); they are lower
 * bounds of what the process really uses, so a request under the limit still fits in V8's heap
 * (about 4 GiB here) with room to spare.
 */
import { ArgumentError, ResourceLimitError } from './errors.js';

export type LimitName = 'memory' | 'configBytes' | 'textBytes' | 'tensors';

interface LimitSpec {
  default: number;
  env: string;
  what: string;
  /** How the message tells the user to raise it. */
  raise: string;
  unit: 'bytes' | 'count';
}

export const LIMITS: Record<LimitName, LimitSpec> = {
  memory: { default: 2 ** 30, env: 'TRANSFORMER_SPEC_MAX_MEMORY', what: 'memory limit', raise: '--max-memory SIZE or TRANSFORMER_SPEC_MAX_MEMORY=SIZE', unit: 'bytes' },
  configBytes: { default: 16 * 2 ** 20, env: 'TRANSFORMER_SPEC_MAX_CONFIG_BYTES', what: 'size limit for config files', raise: 'TRANSFORMER_SPEC_MAX_CONFIG_BYTES=SIZE', unit: 'bytes' },
  textBytes: { default: 64 * 2 ** 20, env: 'TRANSFORMER_SPEC_MAX_TEXT_BYTES', what: 'size limit for text files', raise: 'TRANSFORMER_SPEC_MAX_TEXT_BYTES=SIZE', unit: 'bytes' },
  tensors: { default: 100_000, env: 'TRANSFORMER_SPEC_MAX_TENSORS', what: 'limit on tensors per safetensors file', raise: 'TRANSFORMER_SPEC_MAX_TENSORS=N', unit: 'count' },
};

/** Bytes per element of the arrays estimates count. */
export const BYTES = { float64: 8, float32: 4, int32: 4, printedNumber: 24 } as const;

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, KIB: 2 ** 10, M: 2 ** 20, MIB: 2 ** 20, G: 2 ** 30, GIB: 2 ** 30, T: 2 ** 40, TIB: 2 ** 40 };

/** "512MiB", "2GiB", "1073741824" → bytes. Decimal digits only (no hex, no exponent, no sign). */
export function parseByteSize(text: string, what: string): number {
  const m = /^\s*(\d+)(?:\.(\d+))?\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[3].toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new ArgumentError(`${what} must be a size in bytes such as 1073741824, 512MiB or 2GiB, got ${JSON.stringify(text)}`);
  const bytes = Math.floor(Number(`${m[1]}.${m[2] ?? '0'}`) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new ArgumentError(`${what} must be at least 1 byte and below 2^53, got ${JSON.stringify(text)}`);
  return bytes;
}

function parseCount(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) throw new ArgumentError(`${what} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Overrides set for the duration of one call (the CLI's --max-memory), innermost last. */
const overrides: Array<Partial<Record<LimitName, number>>> = [];

/** The limit in force: an override from withLimits, else the environment variable, else the default. */
export function limit(name: LimitName): number {
  for (let i = overrides.length - 1; i >= 0; i--) {
    const v = overrides[i][name];
    if (v !== undefined) return v;
  }
  const spec = LIMITS[name];
  const env = process.env[spec.env];
  if (env === undefined || env === '') return spec.default;
  return spec.unit === 'bytes' ? parseByteSize(env, spec.env) : parseCount(env, spec.env);
}

/** Runs `f` with some limits replaced (restored afterwards, even when f throws). */
export async function withLimits<T>(values: Partial<Record<LimitName, number>>, f: () => Promise<T>): Promise<T> {
  overrides.push(values);
  try {
    return await f();
  } finally {
    overrides.splice(overrides.lastIndexOf(values), 1);
  }
}

/** 1536 → "1.5 KiB"; a count over 2^53 or Infinity is still readable. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded number of bytes';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  if (i === 0) return `${n} bytes`;
  return `${Number.isInteger(x) || x >= 100 ? x.toFixed(0) : x.toPrecision(3)} ${units[i]}`;
}

/**
 * Refuses a request whose estimated memory is over the limit, before it allocates anything.
 * @param what the request, as the user wrote it ("explain positional-encoding with 4 × 1000000000 entries")
 * @param bytes the estimate (may be Infinity or beyond 2^53: it is only compared)
 * @throws ResourceLimitError naming the request, the estimate, the limit and how to raise it
 * @example checkMemory('a 4 × 4 matrix', 128); // returns undefined (fits)
 */
export function checkMemory(what: string, bytes: number): void {
  const cap = limit('memory');
  if (!(bytes <= cap)) {
    throw new ResourceLimitError(`${what} needs about ${formatBytes(bytes)}, more than the ${LIMITS.memory.what} of ${formatBytes(cap)}; raise it with ${LIMITS.memory.raise} if this machine has the memory`);
  }
}

/** Refuses a count (of elements, entries, tokens) over a limit that is itself a count. */
export function checkCount(name: 'tensors', what: string, count: number): void {
  const cap = limit(name);
  if (count > cap) throw new ResourceLimitError(`${what}: more than the ${LIMITS[name].what} of ${cap.toLocaleString('en-US')}; raise it with ${LIMITS[name].raise}`);
}

/** The product of a shape's dimensions as a float (no overflow to a wrong integer: Infinity at worst). */
export const elementCount = (...dims: number[]): number => dims.reduce((p, d) => p * d, 1);
