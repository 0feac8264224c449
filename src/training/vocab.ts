/**
 * The vocabularies of the reproductions (scratch §3.1 words, §4.1 characters), built on the
 * project's tokenisers (src/reference/char-tokenizer.ts, word-tokenizer.ts: ids in code-point
 * order, because the tutorial's `list(set(...))` order changes from one Python process to the
 * next). TinyBERT's vocabulary adds "[MASK]" after the words, so vocab_size = |words| + 1 and
 * [MASK] = |words| (the tutorial passes a mask_token_id to get_batch but never shows its value).
 */
import { CharTokenizer } from '../reference/char-tokenizer.js';
import { compareCodePoints, Vocabulary as TokenVocabulary } from '../reference/vocabulary.js';
import { WordTokenizer } from '../reference/word-tokenizer.js';
import { ArgumentError } from '../core/errors.js';

export interface Vocabulary {
  /** symbols[id]. */
  readonly symbols: readonly string[];
  readonly kind: 'char' | 'word';
  /** Id of "[MASK]" (word vocabularies only). */
  readonly maskId?: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export const MASK_TOKEN = '[MASK]';

function fromChars(tokenizer: CharTokenizer): Vocabulary {
  return { symbols: tokenizer.vocabulary.tokens, kind: 'char', encode: (s) => tokenizer.encode(s), decode: (ids) => tokenizer.decode(ids) };
}

/** Character vocabulary of a text (code-point order). */
export function charVocabulary(text: string): Vocabulary {
  return fromChars(CharTokenizer.fromText(text));
}

/** A character vocabulary given as its symbol list (e.g. a config's "vocab"): one character each, no repeats, in code-point order. */
export function charVocabularyFrom(symbols: readonly unknown[], source = 'vocab'): Vocabulary {
  symbols.forEach((s, i) => {
    if (typeof s !== 'string' || [...s].length !== 1) throw new ArgumentError(`${source}[${i}] must be one character, got ${JSON.stringify(s)}`);
  });
  const list = symbols as string[];
  const sorted = [...new Set(list)].sort(compareCodePoints);
  if (sorted.length !== list.length) throw new ArgumentError(`${source} lists a character twice`);
  const at = list.findIndex((s, i) => s !== sorted[i]);
  if (at >= 0) throw new ArgumentError(`${source} must list its characters in code-point order (id i = the i-th smallest), but entry ${at} is ${JSON.stringify(list[at])}`);
  return fromChars(new CharTokenizer(new TokenVocabulary(list)));
}

/** Word vocabulary (Python's split, newlines as whitespace) in code-point order, then [MASK]. */
export function wordVocabulary(text: string): Vocabulary {
  const tokenizer = WordTokenizer.fromText(text);
  const maskId = tokenizer.size;
  return {
    symbols: [...tokenizer.vocabulary.tokens, MASK_TOKEN],
    kind: 'word',
    maskId,
    encode: (s) => tokenizer.encode(s),
    decode: (ids) => ids.map((id) => (id === maskId ? MASK_TOKEN : tokenizer.decode([id]))).join(' '),
  };
}
