/**
 * Tokenisers (src/reference/{vocabulary,char-tokenizer,word-tokenizer,bpe}.ts):
 *
 *   char    decode(encode(s)) = s for every well-formed string (any code point, astral included)
 *   word    decode(encode(s)) = words(s) joined by one space; encode(decode(ids)) = ids
 *   vocab   ids follow code-point order (Python's sorted()), whatever order the tokens came in
 *   BPE     decode(encode(s)) = s for ANY string, including characters the corpus never had
 *           (byte fallback); ids lie in 0…size−1; training is deterministic; merges only shorten
 *   errors  unknown characters, words and ids; lone surrogates; byte tokens that are not UTF-8;
 *           the tutorial's text missing (a named error naming the path)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, RangeArgumentError } from '../../src/core/errors.js';
import { readTutorial, TutorialTextError } from '../../src/core/tutorial.js';
import { BpeTokenizer, bpeChunks } from '../../src/reference/bpe.js';
import { CharTokenizer } from '../../src/reference/char-tokenizer.js';
import { compareCodePoints, pythonSplit, UnknownTokenError, Vocabulary } from '../../src/reference/vocabulary.js';
import { WordTokenizer } from '../../src/reference/word-tokenizer.js';
import { checkProperty, fc } from '../_helpers/property.js';

/** Any code point but a lone surrogate (fast-check's 'binary' unit): arbitrary Unicode text. */
const unicode = fc.string({ unit: 'binary', maxLength: 40 });
/** Words with spaces, tabs, newlines and Unicode whitespace between them. */
const spaced = fc
  .array(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '  ', '\n', '\t', '\u3000', ' \r\n')), { maxLength: 10 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));

const CORPUS = [
  'the reaction time was short, and the reaction time was measured again.',
  'I believe you. She believed him. They believe in believers and believing.',
  'unable, unfair, unkind, unclear, unknown, undo, unsure, until; 2024-11-23.',
].join('\n');
const TRAINED = BpeTokenizer.train(CORPUS, { merges: 60 });

describe('character tokenizer', () => {
  it('[scratch.tokenisation.round-trip] decode(encode(s)) = s for arbitrary Unicode strings (vocabulary from s itself)', () => {
    checkProperty<[string]>('char round trip', unicode, (s) => {
      const tok = CharTokenizer.fromText(s);
      const ids = tok.encode(s);
      expect(ids.length).toBe([...s].length); // one id per code point, not per UTF-16 unit
      expect(tok.decode(ids)).toBe(s);
      expect(tok.size).toBe(new Set(s).size);
    });
  });

  it('[scratch.tokenisation.round-trip] ids follow code-point order (Python sorted()), astral characters after U+FFFF', () => {
    checkProperty<[string]>('code-point order', unicode, (s) => {
      const tokens = CharTokenizer.fromText(s).vocabulary.tokens;
      const codePoints = tokens.map((c) => c.codePointAt(0)!);
      expect(codePoints).toEqual([...codePoints].sort((a, b) => a - b));
    });
    expect(new Vocabulary(['😀', '\uFF21', 'a']).tokens).toEqual(['a', '\uFF21', '😀']); // JS's default sort would put 😀 first
  });

  it('an unknown character is a named error naming it and its position', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('ab!')).toThrow(UnknownTokenError);
    expect(() => tok.encode('ab!')).toThrow(/unknown character "!" \(U\+0021\) at code point 2: not in the vocabulary of 3 characters/);
    expect(() => tok.decode([0, 3])).toThrow(/unknown token id 3 at position 1: ids run from 0 to 2/);
    expect(() => tok.decode([0.5])).toThrow(UnknownTokenError);
  });
});

describe('word tokenizer', () => {
  it('[scratch.tokenisation.round-trip] decode(encode(s)) = words(s) joined by one space, and encode(decode(ids)) = ids', () => {
    checkProperty<[string]>('word round trip', spaced, (s) => {
      const tok = WordTokenizer.fromText(s);
      const ids = tok.encode(s);
      const words = WordTokenizer.words(s);
      expect(tok.decode(ids)).toBe(words.join(' '));
      expect(tok.encode(tok.decode(ids))).toEqual(ids);
      if (!/\s/u.test(s.trim()) && s === s.trim()) expect(tok.decode(ids)).toBe(s); // one word: exact
    });
  });

  it('[scratch.tokenisation.round-trip] the vocabulary does not depend on the order of the text: shuffled words give the same ids', () => {
    checkProperty<[string[], number]>('order-free ids', fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 }).filter((w) => !/\s/.test(w)), { minLength: 1, maxLength: 12 }), fc.nat(), (words, seed) => {
      const shuffled = [...words].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7));
      const a = WordTokenizer.fromText(words.join(' '));
      const b = WordTokenizer.fromText(shuffled.join(' '));
      expect(a.vocabulary.tokens).toEqual(b.vocabulary.tokens);
      expect(a.vocabulary.tokens).toEqual([...new Set(words)].sort(compareCodePoints));
    });
  });

  it('words are split as Python\'s str.split(): Unicode whitespace and \\x1c–\\x1f separate, U+FEFF and U+200B do not', () => {
    expect(pythonSplit('a\u00a0b\u2003c\x1cd\x85e')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pythonSplit('a\ufeffb a\u200bb')).toEqual(['a\ufeffb', 'a\u200bb']);
    expect(pythonSplit(' \n\t ')).toEqual([]);
  });

  it('an unknown word is a named error naming the word and its index', () => {
    const tok = WordTokenizer.fromText('Rumi, was a poet');
    expect(() => tok.encode('Rumi was')).toThrow(UnknownTokenError);
    expect(() => tok.encode('Rumi was')).toThrow(/unknown token "Rumi" \(word 0\) \(not in the vocabulary of 4 tokens\)/);
  });
});

describe('byte-pair encoding with byte fallback', () => {
  it('[course.tokenisation.bpe-any-string] decode(encode(s)) = s for arbitrary Unicode strings, with a vocabulary learnt on a fixed corpus', () => {
    checkProperty<[string]>('BPE round trip, fixed corpus', unicode, (s) => {
      const ids = TRAINED.encode(s);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < TRAINED.size)).toBe(true);
      expect(TRAINED.decode(ids)).toBe(s);
      expect(ids.length).toBeLessThanOrEqual(new TextEncoder().encode(s).length); // never longer than its bytes
    });
  });

  it('[course.tokenisation.bpe-any-string] any corpus, any merge count: decode(encode(s)) = s; training is deterministic', () => {
    checkProperty<[string, number, string]>('BPE round trip, random corpus', fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 30 }), unicode, (corpus, merges, s) => {
      const a = BpeTokenizer.train(corpus, { merges });
      expect(a.decode(a.encode(s))).toBe(s);
      expect(a.decode(a.encode(corpus))).toBe(corpus);
      expect(BpeTokenizer.train(corpus, { merges }).model).toEqual(a.model);
      expect(BpeTokenizer.fromModel(a.model).encode(s)).toEqual(a.encode(s));
      expect(a.size).toBeLessThanOrEqual(256 + new Set(corpus).size + merges);
    }, { numRuns: 60 }); // each run trains a tokenizer; 60 keeps this property near a second
  });

  it('chunks partition the text (their concatenation is the text), so merges never lose a character', () => {
    checkProperty<[string]>('chunks partition', unicode, (s) => {
      expect(bpeChunks(s).join('')).toBe(s);
    });
  });

  it('more merges never lengthen the encoding of the training corpus; 80 merges cut it below 60% of its characters', () => {
    const lengths = [0, 10, 20, 40, 80].map((m) => BpeTokenizer.train(CORPUS, { merges: m }).encode(CORPUS).length);
    lengths.slice(1).forEach((n, i) => expect(n).toBeLessThanOrEqual(lengths[i]));
    expect(lengths[4]).toBeLessThan(0.6 * lengths[0]); // 219 characters → 112 tokens
  });

  it('characters outside the corpus become their UTF-8 byte tokens <0xNN>', () => {
    expect(TRAINED.tokenize('é')).toEqual(['<0xC3>', '<0xA9>']);
    expect(TRAINED.tokenize('😀')).toEqual(['<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
  });

  it('bad input: lone surrogates, invalid byte sequences, unknown ids, bad options, an inconsistent model', () => {
    expect(() => TRAINED.encode('a\uD800b')).toThrow(ArgumentError);
    expect(() => TRAINED.encode('a\uD800b')).toThrow(/not well-formed Unicode: lone surrogate U\+D800 at index 1/);
    expect(() => TRAINED.decode([0xc3])).toThrow(/byte tokens at positions 0…0 \(<0xC3>\) are not valid UTF-8/);
    expect(() => TRAINED.decode([TRAINED.size])).toThrow(UnknownTokenError);
    expect(() => BpeTokenizer.train('abc', { merges: -1 })).toThrow(RangeArgumentError);
    expect(() => BpeTokenizer.train('abc', { merges: 1, minFrequency: 0 })).toThrow(RangeArgumentError);
    expect(() => BpeTokenizer.fromModel({ alphabet: ['a'], merges: [['a', 'b']] })).toThrow(/uses a piece that is neither a character nor an earlier merge/);
    expect(() => CharTokenizer.fromText('\uDC00')).toThrow(/lone surrogate U\+DC00 at index 0/);
  });
});

describe('the tutorial text', () => {
  it('a missing tutorial file is a named error naming the path it looked for', () => {
    const path = join(tmpdir(), 'no-such-dir', '004_141c9463eba2c207.txt');
    expect(() => readTutorial(path)).toThrow(TutorialTextError);
    expect(() => readTutorial(path)).toThrow(/the tutorial "LLMs From Scratch" \(scratch\) is not readable at .*004_141c9463eba2c207\.txt \(not found\)/);
  });

  it('a file without the expected blocks is a named error listing what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutorial-'));
    const path = join(dir, 'other.txt');
    writeFileSync(path, 'text = """one"""\nnothing else\n');
    expect(() => readTutorial(path)).toThrow(TutorialTextError);
    expect(() => readTutorial(path)).toThrow(/does not contain the two text = """…""" literals .* printed "Encoded text/);
  });
});
