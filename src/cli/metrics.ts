/**
 * `transformer-spec metrics`: BLEU and ROUGE of a file of candidates against a file of references,
 * one sentence per line, as Hugging Face `evaluate` computes them (src/reference/bleu.ts, rouge.ts).
 *
 *   metrics bleu  --candidates FILE --references FILE [--smooth] [--digits N] [--json]
 *   metrics rouge --candidates FILE --references FILE [--digits N] [--json]
 *
 * Files are UTF-8; a leading byte-order mark is dropped, "\r\n" counts as a line break, and the
 * newline that ends the file does not start another line. Line i of the candidates is scored
 * against line i of the references (one reference per candidate). An empty line is an empty
 * sentence; an empty file, or files with different numbers of lines, are errors (exit 2).
 */
import { corpusBleu } from '../reference/bleu.js';
import { corpusRouge, ROUGE_TYPES } from '../reference/rouge.js';
import { UsageError, parseArgs, parseIntegerOption, requireOption, type OptionSpecs } from './args.js';
import { readOptionText } from './files.js';
import { formatNumber, formatTable, toJson, type Io } from './format.js';

export const METRICS = ['bleu', 'rouge'] as const;

const OPTIONS = {
  candidates: { type: 'string', valueName: 'FILE' },
  references: { type: 'string', valueName: 'FILE' },
  smooth: { type: 'boolean' },
  digits: { type: 'string', valueName: 'N' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** What `metrics bleu --json` prints: evaluate's keys and values. */
export interface BleuJson {
  bleu: number;
  precisions: number[];
  brevity_penalty: number;
  length_ratio: number;
  translation_length: number;
  reference_length: number;
}

/** What `metrics rouge --json` prints: evaluate's four F-measures, then precision and recall. */
export interface RougeJson {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
  precision: Record<(typeof ROUGE_TYPES)[number], number>;
  recall: Record<(typeof ROUGE_TYPES)[number], number>;
  pairs: number;
}

/** The lines of a sentence file (see the module header). */
export function readSentences(path: string, option: string): string[] {
  let text = readOptionText(option, path);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (text.length === 0) throw new UsageError(`--${option} ${path} is empty: it needs one sentence per line`);
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // the newline that ends the file
  return lines;
}

function digitsOption(text: string | undefined): number {
  if (text === undefined) return 4;
  const d = parseIntegerOption(text, 'digits', 0);
  if (d > 15) throw new UsageError(`--digits must be between 0 and 15 (float64 carries ~16 significant digits), got ${d}`);
  return d;
}

export async function runMetrics(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, OPTIONS, 'metrics');
  const [metric, ...extra] = positionals;
  if (metric === undefined) throw new UsageError(`metrics needs a metric: ${METRICS.join(' or ')} (e.g. transformer-spec metrics bleu --candidates FILE --references FILE)`);
  if (!(METRICS as readonly string[]).includes(metric)) throw new UsageError(`unknown metric "${metric}"; metrics: ${METRICS.join(', ')}`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" for \`metrics ${metric}\` (sentences go in the --candidates and --references files)`);
  if (metric === 'rouge' && o.smooth) throw new UsageError('--smooth is a BLEU option (Lin & Och smoothing of the n-gram precisions); ROUGE has none');
  const candidatesPath = requireOption(o.candidates, 'candidates', 'FILE');
  const referencesPath = requireOption(o.references, 'references', 'FILE');
  const digits = digitsOption(o.digits);
  const candidates = readSentences(candidatesPath, 'candidates');
  const references = readSentences(referencesPath, 'references');
  if (candidates.length !== references.length) {
    throw new UsageError(`--candidates ${candidatesPath} has ${candidates.length} line${candidates.length === 1 ? '' : 's'} but --references ${referencesPath} has ${references.length}: line i of one is scored against line i of the other`);
  }
  const f = (x: number) => formatNumber(x, digits);

  if (metric === 'bleu') {
    const r = corpusBleu(candidates, references, { smooth: o.smooth === true });
    if (o.json) {
      const json: BleuJson = { bleu: r.bleu, precisions: r.precisions, brevity_penalty: r.brevityPenalty, length_ratio: r.lengthRatio, translation_length: r.translationLength, reference_length: r.referenceLength };
      io.out(toJson(json));
      return 0;
    }
    io.out(`BLEU of ${candidates.length} candidate${candidates.length === 1 ? '' : 's'} against one reference each, as Hugging Face evaluate's "bleu" computes it`);
    io.out(`(13a tokens, clipped n-gram precisions pooled over the corpus, n = 1…4, ${o.smooth ? 'smoothed (Lin & Och)' : 'no smoothing'}):`);
    io.out('');
    io.out(
      formatTable(
        ['', 'value', ''],
        [
          ['bleu', f(r.bleu), 'BP · exp(¼ Σ ln p_n)'],
          ...r.precisions.map((p, i): [string, string, string] => [`p_${i + 1}`, f(p), `${['unigram', 'bigram', 'trigram', '4-gram'][i] ?? `${i + 1}-gram`} precision`]),
          ['brevity penalty', f(r.brevityPenalty), r.translationLength > r.referenceLength ? 'c > r, so 1' : 'exp(1 − r/c)'],
          ['length ratio c/r', f(r.lengthRatio), `c = ${r.translationLength} candidate tokens, r = ${r.referenceLength} reference tokens`],
        ],
        [false, true, false],
      ),
    );
    return 0;
  }

  const r = corpusRouge(candidates, references);
  if (o.json) {
    const pick = (k: 'precision' | 'recall') => Object.fromEntries(ROUGE_TYPES.map((t) => [t, r[t][k]])) as RougeJson['precision'];
    const json: RougeJson = { rouge1: r.rouge1.fmeasure, rouge2: r.rouge2.fmeasure, rougeL: r.rougeL.fmeasure, rougeLsum: r.rougeLsum.fmeasure, precision: pick('precision'), recall: pick('recall'), pairs: candidates.length };
    io.out(toJson(json));
    return 0;
  }
  io.out(`ROUGE of ${candidates.length} candidate${candidates.length === 1 ? '' : 's'} against one reference each, as rouge_score computes it with`);
  io.out("Hugging Face evaluate's defaults (lower-cased a–z/0–9 tokens, no stemming); mean over the pairs:");
  io.out('');
  io.out(formatTable(['', 'precision', 'recall', 'F1'], ROUGE_TYPES.map((t) => [t, f(r[t].precision), f(r[t].recall), f(r[t].fmeasure)]), [false, true, true, true]));
  io.out('');
  io.out('evaluate reports the F1 column: the median of 1,000 unseeded bootstrap resamples of this mean.');
  io.out('Each line is one sentence, so rougeLsum (sentences split at line breaks) equals rougeL here.');
  return 0;
}
