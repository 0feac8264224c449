/**
 * Evaluators for the metric and tokenisation claims (CLAIMS.md §6, §7, §9): the internal consistency
 * of the tutorial's Tables 3.1, 4.1, 5.1 and 6.1, cross-entropy with the ignore index, the
 * response-only fine-tuning loss, BLEU and ROUGE as evaluate computes them, and the tutorial's word
 * and character vocabularies (computed from the tutorial's own text, read at run time by
 * src/core/tutorial.ts), character/word round trips and BPE.
 *
 * Where a claim involves tensors, it calls the implementation's op (`impl.crossEntropy`,
 * `impl.accuracy`, …): src/tfjs/metrics.ts on tfjs, src/reference/ on the float64 reference and the
 * BigNumber oracle.
 */
import { InternalError } from '../core/errors.js';
import { loadFixture, nested } from '../core/fixtures.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { isClose, printedDecimals, printedTolerance } from '../core/tolerance.js';
import type { SpecError } from '../core/errors.js';
import { corpusBleu, sentenceBleu, tokenize13a, bleuFromPrecisionsWith } from '../reference/bleu.js';
import { BpeTokenizer } from '../reference/bpe.js';
import { CharTokenizer } from '../reference/char-tokenizer.js';
import { distinctN, IGNORE_INDEX, responseTargets } from '../reference/metrics.js';
import { rouge, rougeTokenize, ROUGE_TYPES } from '../reference/rouge.js';
import { compareCodePoints } from '../reference/vocabulary.js';
import { WordTokenizer } from '../reference/word-tokenizer.js';
import { modulesOf, registryModel } from '../core/parameter-accounting.js';
import { PUBLISHED_MODELS, type PublishedModelKey } from '../core/published-models.js';
import { approximateRange } from '../core/tolerance.js';
import type { ArrayImpl } from '../ops/implementations.js';
import { readTutorial } from '../core/tutorial.js';
import { input, type Evaluator } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type S = any;

/** A decimal written exactly in the implementation's scalars ("0.22445" stays exact in BigNumber). */
const dec = (impl: Impl, x: string | number): S => impl.F.from(typeof x === 'number' ? String(x) : x);
const num = (impl: Impl, x: S): number => impl.F.toNumber(x);

const crossEntropyOf = (impl: Impl, logits: number[][], targets: number[]): Promise<S> => impl.crossEntropy(impl.lift(logits), targets);
const responseLossOf = (impl: Impl, logits: number[][], targets: number[], mask: boolean[], reduction: 'mean' | 'sum'): Promise<S> => impl.responseLoss(impl.lift(logits), targets, mask, reduction);

/** The two ends of the interval a printed decimal stands for, as exact decimal strings. */
function roundingInterval(printed: string | number): [string, string] {
  const text = String(printed);
  const k = printedDecimals(text);
  const x = Number(text);
  const h = 0.5 * 10 ** -k;
  return [(x - h).toFixed(k + 1), (x + h).toFixed(k + 1)];
}

async function errorCode(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as SpecError).code ?? (e as Error).name;
  }
  return 'no error';
}

function errorName(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).name;
  }
  return 'no error';
}

/** Integers k ≤ N whose k/N (times `scale`) prints as `printed`. */
function countsPrintingAs(N: number, printed: string, scale = 1): number[] {
  const t = printedTolerance(printed, 0);
  const target = Number(printed);
  return Array.from({ length: N + 1 }, (_, k) => k).filter((k) => isClose((scale * k) / N, target, t));
}

// ---------------------------------------------------------------------------------------------
// Tables 3.1 and 4.1: perplexity, bits per character, accuracy, distinct-n

const tablePerplexity: Evaluator = async (impl, claim) => {
  const ce = input<number>(claim, 'crossEntropy');
  const [lo, hi] = roundingInterval(ce.toFixed(input<number>(claim, 'crossEntropyDecimals')));
  return {
    perplexity: await impl.perplexityFromLoss(dec(impl, ce)),
    perplexityOverRoundingInterval: [await impl.perplexityFromLoss(dec(impl, lo)), await impl.perplexityFromLoss(dec(impl, hi))],
  };
};

/** Logits (N × 4) whose target is first with probability p = e^−ce in every row: accuracy 1 and CE = ce. */
function argmaxExample(impl: Impl, ce: number): { logits: number[][]; targets: number[] } {
  const F = impl.F;
  const p = F.exp(F.neg(dec(impl, ce)));
  const a = num(impl, F.log(F.div(F.mul(F.from(3), p), F.sub(F.one, p)))); // e^a / (e^a + 3) = p
  const targets = [0, 1, 2, 3, 1];
  return { logits: targets.map((t) => [0, 1, 2, 3].map((v) => (v === t ? a : 0))), targets };
}

export const metricEvaluators: Record<string, Evaluator> = {
  'scratch.metrics.table-3-1-perplexity': tablePerplexity,
  'scratch.metrics.table-4-1-perplexity': tablePerplexity,

  'scratch.metrics.table-4-1-bits-per-character': async (impl, claim) => {
    const F = impl.F;
    const ce = input<number>(claim, 'crossEntropy');
    const [ceLo, ceHi] = roundingInterval(ce.toFixed(input<number>(claim, 'crossEntropyDecimals')));
    const [bLo, bHi] = roundingInterval(input<number>(claim, 'bitsPerCharacter').toFixed(input<number>(claim, 'bitsPerCharacterDecimals')));
    const ln2 = F.log(F.from(2));
    const max = (a: S, b: S) => (F.lt(a, b) ? b : a);
    const min = (a: S, b: S) => (F.lt(a, b) ? a : b);
    const lowest = max(dec(impl, ceLo), F.mul(dec(impl, bLo), ln2));
    return {
      bitsPerCharacter: await impl.bitsPerCharacterFromLoss(dec(impl, ce)),
      // CE = BPC · ln 2: the CEs that print as the table's CE and give a BPC printing as the table's
      lowestConsistentLoss: lowest,
      consistentLossRangeWidth: F.sub(min(dec(impl, ceHi), F.mul(dec(impl, bHi), ln2)), lowest),
      bitsPerCharacterAtLowEnd: await impl.bitsPerCharacterFromLoss(dec(impl, ceLo)),
    };
  },

  'scratch.metrics.table-3-1-accuracy': async (impl, claim) => {
    const F = impl.F;
    const ce = input<number>(claim, 'crossEntropy');
    const acc = input<number>(claim, 'accuracy');
    const { logits, targets } = argmaxExample(impl, ce);
    return {
      lossLowerBoundFromAccuracy: F.mul(F.sub(F.one, dec(impl, acc)), F.log(F.from(2))),
      geometricMeanTargetProbability: F.exp(F.neg(dec(impl, ce))),
      accuracyOfArgmaxExample: (await impl.accuracy(impl.lift(logits), targets)).accuracy,
      crossEntropyOfArgmaxExample: await crossEntropyOf(impl, logits, targets),
    };
  },

  'scratch.metrics.table-4-1-accuracy': async (impl, claim) => {
    const F = impl.F;
    const percent = input<number>(claim, 'accuracyPercent');
    const printed = percent.toFixed(input<number>(claim, 'percentDecimals'));
    let N = 1;
    while (countsPrintingAs(N, printed, 100).length === 0) N++;
    const k = countsPrintingAs(N, printed, 100)[0];
    return {
      smallestScoredCount: N,
      accuracyAtSmallestCount: F.div(F.from(k), F.from(N)),
      lossLowerBoundFromAccuracy: F.mul(F.sub(F.one, F.div(dec(impl, percent), F.from(100))), F.log(F.from(2))),
    };
  },

  'scratch.metrics.table-4-1-distinct': async (_impl, claim) => {
    const length = input<number>(claim, 'promptCharacters') + input<number>(claim, 'maxNewTokens');
    const [d1, d2] = [input<string>(claim, 'distinct1'), input<string>(claim, 'distinct2')];
    const k1 = countsPrintingAs(length, d1);
    const k2 = countsPrintingAs(length - 1, d2);
    // a 406-character sequence with k1[0] distinct characters: k1 different symbols, then repeats
    const symbols = Array.from({ length: k1[0] ?? 1 }, (_, i) => String.fromCodePoint(0x61 + i));
    const sequence = Array.from({ length }, (_, i) => symbols[Math.min(i, symbols.length - 1)]);
    const tutorial = readTutorial();
    const vocabulary = CharTokenizer.fromText(tutorial.texts[1]).size;
    const sample = [...tutorial.generatedSample];
    return {
      distinct1Counts: k1,
      distinct2Counts: k2,
      distinct1: distinctN(sequence, 1).score,
      distinct2: (k2[0] ?? 0) / (length - 1),
      distinct1UpperBound: vocabulary / length,
      printedSampleDistinct: [distinctN(sample, 1).score, distinctN(sample, 2).score],
    };
  },

  // -------------------------------------------------------------------------------------------
  // Tables 5.1 and 6.1: BLEU from its four precisions; ROUGE's orderings

  ...Object.fromEntries(
    ['scratch.metrics.table-5-1-bleu', 'scratch.metrics.table-6-1-bleu'].map((id): [string, Evaluator] => [
      id,
      async (impl, claim) => {
        const F = impl.F;
        const printed = input<string[]>(claim, 'precisions');
        const bleu = input<string>(claim, 'bleu');
        const geo = (ps: string[]) => bleuFromPrecisionsWith(F, ps.map((p) => dec(impl, p)), F.one);
        const lo = geo(printed.map((p) => roundingInterval(p)[0]));
        const hi = geo(printed.map((p) => roundingInterval(p)[1]));
        const [bLo, bHi] = roundingInterval(bleu).map((x) => dec(impl, x));
        const b = dec(impl, bleu);
        const nearest = F.lt(b, lo) ? lo : F.lt(hi, b) ? hi : b; // the BP = 1 value closest to the printed BLEU
        const maxBp = F.div(bHi, lo);
        const minBp = F.div(bLo, hi);
        return {
          geometricMeanOfPrintedPrecisions: geo(printed),
          bleuWithBrevityPenaltyOne: nearest,
          largestBrevityPenalty: F.lt(F.one, maxBp) ? F.one : maxBp,
          smallestBrevityPenalty: minBp,
          smallestLengthRatio: F.div(F.one, F.sub(F.one, F.log(minBp))), // BP = exp(1 − 1/ratio)
        };
      },
    ]),
  ),

  'scratch.metrics.table-5-1-rouge': async (_impl, claim) => {
    const p = input<Record<string, string>>(claim, 'printed');
    const pairs = input<Array<[string, string]>>(claim, 'pairs');
    const scores = pairs.map(([ref, pred]) => rouge(ref, pred));
    return {
      rougeLMinusRouge1Printed: Number(p.rougeL) - Number(p.rouge1),
      rougeLsumMinusRougeLPrinted: Number(p.rougeLsum) - Number(p.rougeL),
      rougeLMinusRouge1OnPairs: Math.max(...scores.map((s) => s.rougeL.fmeasure - s.rouge1.fmeasure)),
      rougeLsumMinusRougeLOnPairs: Math.max(...scores.map((s) => Math.abs(s.rougeLsum.fmeasure - s.rougeL.fmeasure))),
    };
  },

  'scratch.metrics.table-6-1-rouge': async (_impl, claim) => {
    const p = input<Record<string, string>>(claim, 'printed');
    const [ref, pred] = input<[string, string]>(claim, 'multiLinePair');
    const s = rouge(ref, pred);
    return {
      rougeLMinusRouge1Printed: Number(p.rougeL) - Number(p.rouge1),
      rougeLsumMinusRougeLPrinted: Number(p.rougeLsum) - Number(p.rougeL),
      multiLineLsumMinusL: s.rougeLsum.fmeasure - s.rougeL.fmeasure,
    };
  },

  // -------------------------------------------------------------------------------------------
  // Definitions: BLEU and ROUGE as evaluate computes them

  'scratch.metrics.bleu-definition': async (_impl, claim) => {
    const corpus = input<{ candidates: string[]; references: string[][] }>(claim, 'corpus');
    const short = input<{ candidate: string; reference: string }>(claim, 'short');
    const clipping = input<{ candidate: string; references: string[] }>(claim, 'clipping');
    const noFour = input<{ candidate: string; reference: string }>(claim, 'noFourGram');
    const c = corpusBleu(corpus.candidates, corpus.references);
    const s = sentenceBleu(short.candidate, short.reference);
    return {
      corpusBleu: c.bleu,
      corpusPrecisions: c.precisions,
      corpusLengths: [c.translationLength, c.referenceLength],
      shortCandidate: [s.bleu, s.brevityPenalty],
      clippedUnigramPrecision: sentenceBleu(clipping.candidate, clipping.references).precisions[0],
      noFourGramBleu: [sentenceBleu(noFour.candidate, noFour.reference).bleu, sentenceBleu(noFour.candidate, noFour.reference, { smooth: true }).bleu],
      tokenizer13a: tokenize13a(input<string>(claim, 'tokenizerLine')),
    };
  },

  'scratch.metrics.rouge-definition': async (_impl, claim) => {
    const table = ([ref, pred]: [string, string]) => {
      const s = rouge(ref, pred);
      return ROUGE_TYPES.map((t) => [s[t].precision, s[t].recall, s[t].fmeasure]);
    };
    return {
      singleLine: table(input(claim, 'singleLine')),
      multiLine: table(input(claim, 'multiLine')),
      repeats: table(input(claim, 'repeats')),
      tokenizer: rougeTokenize(input<string>(claim, 'tokenizerText')),
    };
  },

  // -------------------------------------------------------------------------------------------
  // Losses: the ignore index, the response-only fine-tuning loss

  'scratch.metrics.cross-entropy-ignore-index': async (impl) => {
    const f = loadFixture('models/tinybert.safetensors');
    const logits = (nested(f.output.get('logits')!) as number[][][]).flat(); // (B·T × V)
    const labels = (nested(f.input.get('labels')!) as number[][]).flat(); // (B·T)
    const pytorch = f.output.get('loss')!.values[0];
    const rng = seededRng(4101);
    const other = logits.map((row, i) => (labels[i] === IGNORE_INDEX ? randomMatrix(rng, 1, row.length, 5)[0] : row));
    const ce = await crossEntropyOf(impl, logits, labels);
    return {
      lossVsPyTorch: Math.abs(num(impl, ce) - pytorch),
      ignoredLogitsChange: Math.abs(num(impl, await crossEntropyOf(impl, other, labels)) - num(impl, ce)),
      labelledPositions: labels.filter((t) => t !== IGNORE_INDEX).length,
      allIgnoredError: await errorCode(() => crossEntropyOf(impl, logits.slice(0, 3), [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX])),
    };
  },

  'course.metrics.response-masked-loss': async (impl, claim) => {
    const tokens = input<number[]>(claim, 'tokens');
    const V = input<number>(claim, 'vocabulary');
    const masked = responseTargets(tokens, input<number>(claim, 'promptLength'));
    const targets = tokens.slice(1); // position t predicts token t+1
    const mask = masked.map((t) => t !== IGNORE_INDEX);
    const rng = seededRng(4102);
    const withPrompt = (scale: number) => targets.map((_, t) => (mask[t] ? new Array<number>(V).fill(0) : randomMatrix(rng, 1, V, scale)[0]));
    const logits = withPrompt(3);
    const sum = await responseLossOf(impl, logits, targets, mask, 'sum');
    return {
      responseTargets: masked,
      responseLossSum: sum,
      responseLossMean: await responseLossOf(impl, logits, targets, mask, 'mean'),
      promptLogitsChange: Math.abs(num(impl, await responseLossOf(impl, withPrompt(6), targets, mask, 'sum')) - num(impl, sum)),
      unmaskedLossDifference: Math.abs(num(impl, await crossEntropyOf(impl, logits, targets)) - num(impl, await responseLossOf(impl, logits, targets, mask, 'mean'))),
    };
  },

  // -------------------------------------------------------------------------------------------
  // Tokenisation: the tutorial's vocabularies, round trips, BPE

  'scratch.tokenisation.word-vocabulary': async () => {
    const t = readTutorial();
    const text = t.texts[0];
    const tok = WordTokenizer.fromText(text);
    const words = WordTokenizer.words(text);
    // the printed entries lost no characters, but the extraction put a space inside one of them
    const printed = new Map(t.printedWordIds.map(([w, id]) => [w.replace(/\s+/g, ''), id]));
    const byId = new Map([...printed].map(([w, id]) => [id, w]));
    const ids = [...printed.values()].sort((a, b) => a - b);
    const printedOrder = [...printed].sort((a, b) => a[1] - b[1]).map(([w]) => w);
    return {
      vocabularySize: tok.size,
      wordCount: words.length,
      printedIdsArePermutation: ids.length === tok.size && ids.every((id, i) => id === i),
      printedEncodingDecodesToText: JSON.stringify(t.printedEncodings[0].map((id) => byId.get(id))) === JSON.stringify(words),
      printedOrderIsSorted: printedOrder.every((w, i) => i === 0 || compareCodePoints(printedOrder[i - 1], w) < 0),
      sortedEncoding: tok.encode(text),
    };
  },

  'course.tokenisation.vocabulary-size-range': async () => {
    const vocab = (k: PublishedModelKey) => PUBLISHED_MODELS[k].vocabSize;
    const named = (['bert-base', 'gpt1', 'gpt2', 't5-base', 'bart-base', 'llama-7b'] as const).map(vocab);
    const gpt3 = vocab('gpt3');
    if (gpt3 !== vocab('gpt2')) throw new InternalError('GPT-3 uses GPT-2\'s tokeniser');
    // "~30k–200k": each round endpoint read at its last significant digit (golden/README.md, rule 2)
    const [lo, hi] = [approximateRange(30_000)[0], approximateRange(200_000)[1]];
    const rows = (k: string) => modulesOf(registryModel(k)).find((m) => m.kind === 'embedding')!.dIn; // the token embedding comes first
    return {
      outsideApproximateRange: Math.max(...named.map((v) => (v < lo ? lo - v : v >= hi ? v - hi + 1 : 0))),
      courseModelVocabularies: named,
      registryEmbeddingRows: ['bert-base', 'gpt2', 'gpt3', 'llama-7b'].map(rows),
      otherDocumentsVocabularies: [vocab('qwen2.5-0.5b'), vocab('palm')],
    };
  },

  'scratch.tokenisation.char-vocabulary': async () => {
    const t = readTutorial();
    const text = t.texts[1];
    const tok = CharTokenizer.fromText(text);
    const chars = [...text];
    // the run that printed the encoding had a space before each inner line break
    const ran = [...(text.startsWith('\n') ? `\n${text.slice(1).replaceAll('\n', ' \n')}` : text.replaceAll('\n', ' \n'))];
    const enc = t.printedEncodings[1];
    const idToChar = new Map<number, string>();
    const charToId = new Map<string, number>();
    let consistent = enc.length === ran.length;
    enc.forEach((id, i) => {
      if (!consistent) return;
      if ((idToChar.has(id) && idToChar.get(id) !== ran[i]) || (charToId.has(ran[i]) && charToId.get(ran[i]) !== id)) consistent = false;
      idToChar.set(id, ran[i]);
      charToId.set(ran[i], id);
    });
    const printedIds = t.printedCharIds.map(([, id]) => id).sort((a, b) => a - b);
    const printedOrder = [...t.printedCharIds].sort((a, b) => a[1] - b[1]).map(([c]) => c);
    return {
      vocabularySize: tok.size,
      textLength: chars.length,
      printedEncodingLength: enc.length,
      printedEncodingMatchesTextWithLineEndSpaces: consistent,
      printedListEntries: printedIds.every((id, i) => id === i) ? printedIds.length : -1,
      damagedPrintedSymbols: t.printedCharIds.filter(([c, id]) => idToChar.get(id) !== c).map(([, id]) => id).sort((a, b) => a - b),
      printedOrderIsSorted: printedOrder.every((c, i) => i === 0 || compareCodePoints(printedOrder[i - 1], c) < 0),
      sortedEncodingStart: tok.encode(text).slice(0, 16),
    };
  },

  'scratch.tokenisation.round-trip': async (_impl, claim) => {
    const t = readTutorial();
    const chars = CharTokenizer.fromText(t.texts[1]);
    const words = WordTokenizer.fromText(t.texts[0]);
    const bert = t.texts[0];
    const decoded = words.decode(words.encode(bert));
    return {
      charRoundTrip: chars.decode(chars.encode(t.texts[1])) === t.texts[1],
      wordRoundTripGivesWords: decoded === WordTokenizer.words(bert).join(' '),
      wordRoundTripExact: decoded === bert,
      wordReencodeIsIdentity: JSON.stringify(words.encode(decoded)) === JSON.stringify(words.encode(bert)),
      unknownWordError: errorName(() => words.encode(input<string>(claim, 'unseenWord'))),
      unknownCharacterError: errorName(() => chars.encode(input<string>(claim, 'unseenCharacter'))),
    };
  },

  'course.tokenisation.bpe-any-string': async (_impl, claim) => {
    const bpe = BpeTokenizer.train(input<string[]>(claim, 'corpus').join('\n'), { merges: input<number>(claim, 'merges') });
    const unseen = input<string[]>(claim, 'unseen');
    const encoded = unseen.map((s) => bpe.encode(s));
    return {
      vocabularySize: bpe.size,
      allRoundTrip: unseen.every((s, i) => bpe.decode(encoded[i]) === s),
      byteFallbackTokens: encoded.flat().filter((id) => id < 256).length,
      idsInVocabulary: encoded.flat().every((id) => Number.isInteger(id) && id >= 0 && id < bpe.size),
    };
  },

  'course.tokenisation.bpe-example': async (_impl, claim) => {
    const corpus = input<string[]>(claim, 'corpus').join('\n');
    const text = input<string>(claim, 'text');
    const forty = BpeTokenizer.train(corpus, { merges: 40 });
    return {
      piecesAfter40Merges: forty.tokenize(text),
      piecesAfter20Merges: BpeTokenizer.train(corpus, { merges: 20 }).tokenize(text),
      roundTrip: forty.decode(forty.encode(text)) === text,
    };
  },
};
