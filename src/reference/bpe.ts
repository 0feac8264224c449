/**
 * Byte-pair encoding (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword
 * Units") with byte fallback (as in SentencePiece and Llama's tokenizer).
 *
 * Training, on a corpus cut into chunks as GPT-2 does (a run of letters, of digits or of other
 * symbols, each with at most one leading space, or a run of whitespace; merges never cross a chunk
 * boundary, so a word and the punctuation after it stay separate pieces):
 *   start from the corpus's characters (code points); repeat `merges` times:
 *     (a, b) = the most frequent adjacent pair of pieces, counted over all chunks
 *              (ties: the smaller a, then the smaller b, in code-point order)
 *     stop if it occurs fewer than `minFrequency` times; else add the piece ab and rewrite every
 *     chunk, left to right, replacing each non-overlapping a b by ab.
 *
 * Vocabulary (ids):
 *   0…255        byte tokens <0x00>…<0xFF>                (the fallback)
 *   256…         the corpus's characters, in code-point order
 *   then         the merged pieces, in the order they were learnt
 *
 * Encoding a string: cut it into chunks the same way; each character in the vocabulary is its own
 * piece, every other character becomes the byte tokens of its UTF-8 encoding (so ANY Unicode string
 * encodes with this finite vocabulary); then repeatedly merge the adjacent pair with the earliest
 * learnt merge, all its occurrences left to right, until no learnt pair remains (GPT-2's procedure).
 * Byte tokens are never merged.
 *
 * Decoding concatenates the pieces; runs of byte tokens are decoded as UTF-8. For every well-formed
 * string s, decode(encode(s)) = s exactly (property-tested on arbitrary code points). A string with a
 * lone UTF-16 surrogate is not Unicode text and is refused with a named error.
 *
 * Source: "Generative AI: Foundations & Architectures — Day 2" (course), slide "Tokenization: Words →
 * Subwords → Tokens" and "Example of BPE Tokenization": subword pieces, any string representable
 * with a finite vocabulary, frequent words become single tokens with enough merges.
 */
import { ArgumentError, RangeArgumentError } from '../core/errors.js';
import { checkWellFormed, compareCodePoints, UnknownTokenError } from './vocabulary.js';

export interface BpeTrainingOptions {
  /** How many merges to learn at most (the vocabulary grows by at most this many pieces). */
  merges: number;
  /** A pair must occur at least this often to be merged (default 2: merging a pair seen once learns nothing). */
  minFrequency?: number;
}

/** What training learnt: enough to rebuild the tokenizer (`BpeTokenizer.fromModel`). */
export interface BpeModel {
  /** The corpus's characters, in code-point order. */
  alphabet: string[];
  /** The learnt merges as (left piece, right piece), in order. */
  merges: Array<[string, string]>;
}

const BYTE_TOKENS = 256;
/**
 * Letters, digits or other symbols with at most one leading space, or whitespace (the last space
 * before a word is left to the word). Every character falls in exactly one chunk.
 */
const CHUNK = / ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/** The chunks of `s`; their concatenation is `s`. */
export function bpeChunks(s: string): string[] {
  return s.match(CHUNK) ?? [];
}

const pairKey = (a: number, b: number): string => `${a},${b}`;

/** Rewrites `seq`, left to right, replacing each non-overlapping (a, b) by `ab`. */
function mergePair(seq: readonly number[], a: number, b: number, ab: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < seq.length; i++) {
    if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) {
      out.push(ab);
      i++;
    } else {
      out.push(seq[i]);
    }
  }
  return out;
}

export class BpeTokenizer {
  /** id → piece (byte tokens are shown as <0xNN>). */
  readonly pieces: readonly string[];
  readonly model: BpeModel;
  private readonly charIds: Map<string, number>;
  /** pair "a,b" → [rank, id of the merged piece]. */
  private readonly ranks: Map<string, [number, number]>;
  private readonly cache = new Map<string, number[]>();

  private constructor(model: BpeModel) {
    const pieces = Array.from({ length: BYTE_TOKENS }, (_, b) => byteToken(b));
    const ids = new Map<string, number>();
    for (const c of model.alphabet) {
      if ([...c].length !== 1) throw new ArgumentError(`BPE alphabet entry ${JSON.stringify(c)} must be one code point`);
      if (ids.has(c)) throw new ArgumentError(`BPE alphabet repeats ${JSON.stringify(c)}`);
      ids.set(c, pieces.length);
      pieces.push(c);
    }
    this.charIds = new Map(ids);
    this.ranks = new Map();
    model.merges.forEach(([a, b], rank) => {
      const ia = ids.get(a);
      const ib = ids.get(b);
      if (ia === undefined || ib === undefined) throw new ArgumentError(`BPE merge ${rank} (${JSON.stringify(a)}, ${JSON.stringify(b)}) uses a piece that is neither a character nor an earlier merge`);
      let ab = ids.get(a + b);
      if (ab === undefined) {
        ab = pieces.length;
        ids.set(a + b, ab);
        pieces.push(a + b);
      }
      if (!this.ranks.has(pairKey(ia, ib))) this.ranks.set(pairKey(ia, ib), [rank, ab]);
    });
    this.pieces = pieces;
    this.model = { alphabet: [...model.alphabet], merges: model.merges.map(([a, b]) => [a, b]) };
  }

  static fromModel(model: BpeModel): BpeTokenizer {
    return new BpeTokenizer(model);
  }

  /** Learns merges from `corpus` (see the module header). */
  static train(corpus: string, options: BpeTrainingOptions): BpeTokenizer {
    checkWellFormed(corpus, 'the BPE training corpus');
    const { merges: maxMerges, minFrequency = 2 } = options;
    if (!Number.isInteger(maxMerges) || maxMerges < 0) throw new RangeArgumentError(`BPE merges must be an integer ≥ 0, got ${maxMerges}`);
    if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new RangeArgumentError(`BPE minFrequency must be an integer ≥ 1, got ${minFrequency}`);
    const alphabet = [...new Set(corpus)].sort(compareCodePoints);
    // Pieces are numbered as in the final vocabulary, so the tie-break can compare their strings.
    const piece: string[] = alphabet.slice();
    const idOf = new Map(alphabet.map((c, i) => [c, i]));
    const counts = new Map<string, number>();
    for (const chunk of bpeChunks(corpus)) counts.set(chunk, (counts.get(chunk) ?? 0) + 1);
    let words = [...counts].map(([chunk, n]) => ({ seq: [...chunk].map((c) => idOf.get(c)!), n }));
    const merges: Array<[string, string]> = [];
    for (let m = 0; m < maxMerges; m++) {
      const pairs = new Map<string, { a: number; b: number; n: number }>();
      for (const w of words) {
        for (let i = 0; i + 1 < w.seq.length; i++) {
          const key = pairKey(w.seq[i], w.seq[i + 1]);
          const p = pairs.get(key);
          if (p) p.n += w.n;
          else pairs.set(key, { a: w.seq[i], b: w.seq[i + 1], n: w.n });
        }
      }
      let best: { a: number; b: number; n: number } | undefined;
      for (const p of pairs.values()) {
        if (!best || p.n > best.n || (p.n === best.n && (compareCodePoints(piece[p.a], piece[best.a]) || compareCodePoints(piece[p.b], piece[best.b])) < 0)) best = p;
      }
      if (!best || best.n < minFrequency) break;
      const merged = piece[best.a] + piece[best.b];
      let ab = idOf.get(merged);
      if (ab === undefined) {
        ab = piece.length;
        piece.push(merged);
        idOf.set(merged, ab);
      }
      merges.push([piece[best.a], piece[best.b]]);
      const { a, b } = best;
      words = words.map((w) => ({ seq: mergePair(w.seq, a, b, ab), n: w.n }));
    }
    return new BpeTokenizer({ alphabet, merges });
  }

  get size(): number {
    return this.pieces.length;
  }

  /** Ids of `s`; characters outside the alphabet fall back to their UTF-8 bytes. */
  encode(s: string): number[] {
    checkWellFormed(s, 'the text to encode');
    return bpeChunks(s).flatMap((chunk) => this.encodeChunk(chunk));
  }

  /** The pieces of `s` as strings (byte tokens as <0xNN>), for display. */
  tokenize(s: string): string[] {
    return this.encode(s).map((id) => this.pieces[id]);
  }

  private encodeChunk(chunk: string): number[] {
    const hit = this.cache.get(chunk);
    if (hit) return hit;
    let seq: number[] = [];
    const utf8 = new TextEncoder();
    for (const c of chunk) {
      const id = this.charIds.get(c);
      if (id !== undefined) seq.push(id);
      else seq.push(...utf8.encode(c)); // byte fallback: ids 0…255 are the bytes themselves
    }
    for (;;) {
      let best: [number, number] | undefined; // [rank, index]
      for (let i = 0; i + 1 < seq.length; i++) {
        const r = this.ranks.get(pairKey(seq[i], seq[i + 1]));
        if (r && (!best || r[0] < best[0])) best = [r[0], i];
      }
      if (!best) break;
      const [a, b] = [seq[best[1]], seq[best[1] + 1]];
      seq = mergePair(seq, a, b, this.ranks.get(pairKey(a, b))![1]);
    }
    this.cache.set(chunk, seq);
    return seq;
  }

  /** The text of `ids`; byte tokens are gathered and decoded as UTF-8 (an invalid sequence is an error). */
  decode(ids: readonly number[]): string {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    let out = '';
    let bytes: number[] = [];
    let start = 0;
    const flush = (end: number) => {
      if (!bytes.length) return;
      try {
        out += utf8.decode(new Uint8Array(bytes));
      } catch {
        throw new ArgumentError(`byte tokens at positions ${start}…${end - 1} (${bytes.map(byteToken).join(' ')}) are not valid UTF-8`);
      }
      bytes = [];
    };
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) throw new UnknownTokenError(`unknown token id ${id} at position ${i}: ids run from 0 to ${this.pieces.length - 1}`);
      if (id < BYTE_TOKENS) {
        if (!bytes.length) start = i;
        bytes.push(id);
        return;
      }
      flush(i);
      out += this.pieces[id];
    });
    flush(ids.length);
    return out;
  }
}
