/**
 * What crosses between Node and the browser page (src/browser/runner.ts ↔ page.ts): JSON, with
 * tags for what JSON loses — NaN, ±∞ and −0 (a verdict's largest error may be ∞), Maps (a
 * fixture's tensors), typed arrays, and errors (a Node-only function may throw a named SpecError,
 * which the page must throw again with its class, e.g. EvidenceAbsentError for a claim not judged).
 */
export interface WireError {
  name: string;
  message: string;
  props: Record<string, unknown>;
}

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Int8Array, Int16Array, Uint16Array } as const;
type TypedName = keyof typeof TYPED;

function tag(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { $num: 'NaN' };
    if (value === Infinity) return { $num: 'Infinity' };
    if (value === -Infinity) return { $num: '-Infinity' };
    if (Object.is(value, -0)) return { $num: '-0' };
    return value;
  }
  if (Array.isArray(value)) return value.map(tag);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [tag(k), tag(v)]) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName;
    if (name in TYPED) return { $typed: name, values: Array.from(value as unknown as ArrayLike<number>, tag) };
  }
  if (value instanceof Error) {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'name' && k !== 'message' && k !== 'stack') props[k] = tag(v);
    return { $error: { name: value.name, message: value.message, props } };
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function').map(([k, v]) => [k, tag(v)]));
  return value;
}

/** Error classes the page can rebuild by name (the page passes its own modules' classes). */
export type ErrorClasses = Record<string, new (...args: never[]) => Error>;

function untag(value: unknown, errors: ErrorClasses): unknown {
  if (Array.isArray(value)) return value.map((v) => untag(v, errors));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$num === 'string') return Number(o.$num);
    if (Array.isArray(o.$map)) return new Map((o.$map as [unknown, unknown][]).map(([k, v]) => [untag(k, errors), untag(v, errors)]));
    if (typeof o.$typed === 'string') return TYPED[o.$typed as TypedName].from(untag(o.values, errors) as number[]);
    if (o.$error && typeof o.$error === 'object') {
      const w = o.$error as WireError;
      const Cls = errors[w.name] ?? Error;
      // Rebuild without running the constructor (its arguments are not all kept), then restore the fields.
      const e = Object.create(Cls.prototype) as Error;
      Object.assign(e, untag(w.props, errors), { message: w.message, name: w.name });
      return e;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, untag(v, errors)]));
  }
  return value;
}

export const encode = (value: unknown): string => JSON.stringify(tag(value));
export const decode = <T>(text: string, errors: ErrorClasses = {}): T => untag(JSON.parse(text), errors) as T;
