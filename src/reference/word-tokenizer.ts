/**
 * Word-level tokenizer: whitespace-separated words are tokens, punctuation stays attached.
 *
 *   words(s) = s.split()          (Python's split: runs of Unicode whitespace separate, none empty)
 *   vocabulary V = sorted set of words(training text)
 *   encode(s) = [ id(w) for w in words(s) ]      decode(ids) = words joined by one space
 *   decode(encode(s)) = words(s).join(" ")       (whitespace is normalised, not kept)
 *   encode(decode(ids)) = ids
 *
 * Source: "LLMs From Scratch" (scratch) §3.1, where TinyBERT's vocabulary is the set of words of its
 * text after newlines become spaces, so "Rumi," and "Rumi" would be different tokens. The ids are
 * sorted by code point (see vocabulary.ts for why the tutorial's `list(set(words))` ids are not
 * reproducible). The round trip is exact only up to whitespace: "a  b\n" decodes to "a b".
 */
import { checkWellFormed, pythonSplit, Vocabulary } from './vocabulary.js';

export class WordTokenizer {
  readonly vocabulary: Vocabulary;

  constructor(vocabulary: Vocabulary) {
    this.vocabulary = vocabulary;
  }

  /** The vocabulary of every word of `text` (split as Python's `text.split()`), sorted. */
  static fromText(text: string): WordTokenizer {
    checkWellFormed(text, 'the training text');
    return new WordTokenizer(new Vocabulary(pythonSplit(text)));
  }

  get size(): number {
    return this.vocabulary.size;
  }

  /** The words of `s`, as the tokenizer sees them. */
  static words(s: string): string[] {
    return pythonSplit(s);
  }

  /** One id per word; a word outside the vocabulary is an UnknownTokenError naming it. */
  encode(s: string): number[] {
    checkWellFormed(s, 'the text to encode');
    return pythonSplit(s).map((w, i) => this.vocabulary.id(w, ` (word ${i})`));
  }

  decode(ids: readonly number[]): string {
    return ids.map((id, i) => this.vocabulary.token(id, ` at position ${i}`)).join(' ');
  }
}
