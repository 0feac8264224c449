/**
 * A deterministic vocabulary: a bijection between token strings and ids 0…V−1, ordered by Unicode
 * code point (the order Python's `sorted()` gives strings).
 *
 *   id(t) = |{ u ∈ U : u < t }|      U = the set of distinct tokens, < = code-point order
 *
 * Why the order matters: the tutorial builds its vocabularies with `list(set(tokens))` ("LLMs From
 * Scratch", §3.1 and §4.1). Iterating a Python set of strings follows the strings' hashes, and
 * CPython salts string hashes per process (PYTHONHASHSEED), so the same text gets different ids in
 * every run: an embedding table trained in one run is meaningless in the next. Sorting makes the ids
 * a function of the text alone.
 *
 * JavaScript's default sort compares UTF-16 code units, which puts astral characters (emoji, U+1F600)
 * before U+E000…U+FFFF; `compareCodePoints` compares code points instead, so the order equals
 * Python's.
 */
import { ArgumentError } from '../core/errors.js';

/** A token (or id) that the vocabulary does not contain. */
export class UnknownTokenError extends ArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownTokenError';
  }
}

/** Code-point order of two strings (Python's string order), not UTF-16 code-unit order. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Python's str.isspace() characters: what `str.split()` with no argument splits on. */
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** `s.split()` as Python computes it: runs of whitespace separate words; no empty words. */
export function pythonSplit(s: string): string[] {
  return s.split(PYTHON_WHITESPACE).filter((w) => w.length > 0);
}

/** Refuses strings with a lone UTF-16 surrogate: they are not Unicode text and have no UTF-8 form. */
export function checkWellFormed(s: string, what: string): void {
  const m = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(s);
  if (m) throw new ArgumentError(`${what} is not well-formed Unicode: lone surrogate U+${m[0].charCodeAt(0).toString(16).toUpperCase()} at index ${m.index}`);
}

export class Vocabulary {
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  /** From any collection of tokens: duplicates collapse, ids follow code-point order. */
  constructor(tokens: Iterable<string>) {
    this.tokens = [...new Set(tokens)].sort(compareCodePoints);
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of `token`, or an UnknownTokenError naming it and where it occurred. */
  id(token: string, where = ''): number {
    const i = this.ids.get(token);
    if (i === undefined) throw new UnknownTokenError(`unknown token ${JSON.stringify(token)}${where} (not in the vocabulary of ${this.size} tokens)`);
    return i;
  }

  /** The token of `id`, or an UnknownTokenError if it is not an integer in 0…V−1. */
  token(id: number, where = ''): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new UnknownTokenError(`unknown token id ${id}${where}: ids run from 0 to ${this.size - 1}`);
    return this.tokens[id];
  }
}
