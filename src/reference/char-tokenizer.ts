/**
 * Character-level tokenizer: every Unicode code point is a token.
 *
 *   vocabulary V = sorted set of the code points of the training text      (|V| symbols)
 *   encode(s) = [ id(c) for c in s ]        decode(ids) = concatenation of their characters
 *   decode(encode(s)) = s  for every s whose characters are all in V
 *
 * Source: "LLMs From Scratch" (scratch) §4.1, where TinyGPT's vocabulary is the set of characters of
 * its text. "Character" means code point, as Python's `for c in text` iterates: "ā" is one token,
 * an emoji outside the BMP is one token (two UTF-16 units in JavaScript, so strings are iterated by
 * code point here, never by index). A combining sequence such as "a" + U+0304 is two tokens.
 * The ids are sorted by code point (see vocabulary.ts for why the tutorial's `list(set(text))`
 * ids are not reproducible).
 */
import { checkWellFormed, UnknownTokenError, Vocabulary } from './vocabulary.js';

export class CharTokenizer {
  readonly vocabulary: Vocabulary;

  constructor(vocabulary: Vocabulary) {
    this.vocabulary = vocabulary;
  }

  /** The vocabulary of every code point in `text`, in code-point order. */
  static fromText(text: string): CharTokenizer {
    checkWellFormed(text, 'the training text');
    return new CharTokenizer(new Vocabulary(text));
  }

  get size(): number {
    return this.vocabulary.size;
  }

  /** One id per code point; a character outside the vocabulary is an UnknownTokenError. */
  encode(s: string): number[] {
    checkWellFormed(s, 'the text to encode');
    const ids: number[] = [];
    let index = 0;
    for (const c of s) {
      if (!this.vocabulary.has(c)) {
        const cp = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new UnknownTokenError(`unknown character ${JSON.stringify(c)} (U+${cp}) at code point ${index}: not in the vocabulary of ${this.size} characters`);
      }
      ids.push(this.vocabulary.id(c));
      index++;
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    return ids.map((id, i) => this.vocabulary.token(id, ` at position ${i}`)).join('');
  }
}
