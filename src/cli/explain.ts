/**
 * `transformer-spec explain <topic>`: the documents' computations, step by step, for teaching.
 *
 *   attention            softmax(Q Kᵀ / √d_k) V on your own Q, K, V: scores → scaled → masked →
 *                        weights → output, each a labelled matrix with its shape
 *   positional-encoding  PE(pos, 2i) = sin(pos / base^{2i/d}), PE(pos, 2i+1) = cos(pos / base^{2i/d})
 *   i-love-cats          the course's "I love cats" attention example, each computed value beside the
 *                        number the slide printed, with the golden claim id and verdict
 *   i-am-a-robot         the course's d = 4, n = 100 positional-encoding table, entry by entry
 *   --list               every golden claim: id, verdict, title
 *
 * The printed numbers of the documents are never written here: they are read from the golden
 * records (golden/<topic>/<id>.json) through getClaim, so the CLI shows exactly what the specs and
 * `verify` check. Computation uses the float64 reference by default (and the 64-digit BigNumber
 * oracle for closed forms such as 1/(1+2e)); `--backend tfjs` runs the TensorFlow.js layers.
 */
import type { BigNumber } from 'mathjs';
import { onTfjs, REFERENCE_SUMMARY } from './tfjs-backend.js';
import type { TfjsTaskArgs } from './tfjs-tasks.js';
import { explainClaim, isClaimId } from './explain-claim.js';
import { getClaim, loadClaims, type Check, type Expectation, type GoldenClaim } from '../core/claims.js';
import { DOCUMENTS } from '../core/documents.js';
import { ArgumentError, ShapeError, SpecError } from '../core/errors.js';
import { printedDecimals } from '../core/tolerance.js';
import { evaluateExpectation } from '../claims/verdict.js';
import { shapeOf } from '../core/shape.js';
import { bignumber, evaluateClosedForm, float64 } from '../reference/field.js';
import * as hp from '../reference/high-precision.js';
import { matMul } from '../reference/linear-algebra.js';
import { resolveScale, scaledDotProductAttention } from '../reference/scaled-dot-product-attention.js';
import {
  alibiSlopes,
  attention,
  CAUSAL_ALIGNMENTS,
  checkGeneralAttentionRange,
  checkGeneralAttentionShapes,
  checkMaskAndBias,
  DEFAULT_CAUSAL_ALIGNMENT,
  type CausalAlignment,
  type GeneralAttentionOptions,
  type Nested,
} from '../reference/attention.js';
import { BYTES } from '../core/limits.js';
import { checkEncodingArgs, checkEncodingSize, sinusoidalEncoding } from '../reference/sinusoidal-encoding.js';
import { checkRopeArgs, rope as referenceRope, ROPE_PAIRINGS, type RopePairing } from '../reference/rope.js';
import {
  ClaimRecordError,
  UsageError,
  parseArgs,
  parseChoiceOption,
  parseIntegerOption,
  parseJsonOption,
  parseNumberOption,
  requireOption,
  suggest,
  type OptionSpecs,
} from './args.js';
import {
  formatCells,
  formatLabelledMatrix,
  formatMatrix,
  formatNested,
  formatNumber,
  formatTable,
  formatVector,
  shapeLabel,
  toJson,
  wrap,
  type Io,
} from './format.js';

export const EXPLAIN_TOPICS = ['attention', 'positional-encoding', 'rope', 'i-love-cats', 'i-am-a-robot'] as const;
export type ExplainTopic = (typeof EXPLAIN_TOPICS)[number];
export const BACKENDS = ['reference', 'tfjs'] as const;

export async function runExplain(argv: readonly string[], io: Io): Promise<number> {
  const [topic, ...rest] = argv;
  if (topic === '--list') {
    parseArgs(rest, {}, 'explain --list');
    return listClaims(io);
  }
  if (topic === undefined) throw new UsageError(`explain needs a topic: ${EXPLAIN_TOPICS.join(', ')} (or --list)`);
  if (topic.startsWith('-')) throw new UsageError(`explain needs a topic before its options: ${EXPLAIN_TOPICS.join(', ')} (or --list)`);
  if (isClaimId(topic)) return explainClaim(topic, rest, io);
  switch (topic as ExplainTopic) {
    case 'attention':
      return explainAttention(rest, io);
    case 'positional-encoding':
      return explainPositionalEncoding(rest, io);
    case 'rope':
      return explainRope(rest, io);
    case 'i-love-cats':
      return explainILoveCats(rest, io);
    case 'i-am-a-robot':
      return explainIAmARobot(rest, io);
    default: {
      const hint = suggest(topic, EXPLAIN_TOPICS);
      throw new UsageError(`unknown topic "${topic}" for explain${hint ? ` (did you mean ${hint}?)` : ''}; topics: ${EXPLAIN_TOPICS.join(', ')}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shared option handling

function digitsOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const d = parseIntegerOption(text, 'digits', 0);
  if (d > 15) throw new UsageError(`--digits must be between 0 and 15 (float64 carries ~16 significant digits), got ${d}`);
  return d;
}

/** A JSON matrix from the command line; ranks and shapes are checked by the layer's own checker. */
function matrixOption(text: string | undefined, name: string): number[][] {
  return parseJsonOption(requireOption(text, name, 'JSON'), name) as number[][];
}


/**
 * Runs a layer on the chosen backend: the float64 reference, or one of the CLI's tfjs tasks
 * (src/cli/tfjs-tasks.ts) on the backend TFJS_BACKEND selects (started on first use; webgl and
 * webgpu run in headless Chromium).
 */
async function onBackend<K extends 'sinusoidalEncoding' | 'rope'>(backend: (typeof BACKENDS)[number], reference: () => number[][], task: K, args: TfjsTaskArgs<K>): Promise<{ value: number[][]; name: string; summary: string }> {
  if (backend !== 'tfjs') return { value: reference(), name: backend, summary: REFERENCE_SUMMARY };
  return onTfjs(task, args) as Promise<{ value: number[][]; name: string; summary: string }>;
}

// ---------------------------------------------------------------------------------------------
// explain attention

const ATTENTION_OPTIONS = {
  q: { type: 'string', valueName: 'JSON' },
  k: { type: 'string', valueName: 'JSON' },
  v: { type: 'string', valueName: 'JSON' },
  'no-scale': { type: 'boolean' },
  scale: { type: 'string', valueName: 'X' },
  causal: { type: 'string', valueName: 'top-left|bottom-right', optionalValue: { choices: CAUSAL_ALIGNMENTS, default: DEFAULT_CAUSAL_ALIGNMENT } },
  'kv-heads': { type: 'string', valueName: 'N' },
  mask: { type: 'string', valueName: 'JSON' },
  bias: { type: 'string', valueName: 'JSON' },
  alibi: { type: 'boolean' },
  softcap: { type: 'string', valueName: 'X' },
  'key-lengths': { type: 'string', valueName: 'JSON' },
  backend: { type: 'string', valueName: 'reference|tfjs' },
  tokens: { type: 'string', valueName: 'NAMES' },
  digits: { type: 'string', valueName: 'N' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

type StepName = 'scores' | 'scaled' | 'capped' | 'biased' | 'masked' | 'weights' | 'output';
const STEP_NAMES: readonly StepName[] = ['scores', 'scaled', 'capped', 'biased', 'masked', 'weights', 'output'];

export interface AttentionJson {
  scores: Nested;
  scaled: Nested;
  capped: Nested;
  biased: Nested;
  masked: Nested;
  weights: Nested;
  output: Nested;
  backend: string;
  scale: number;
  /** the causal alignment used, or null */
  causal: CausalAlignment | null;
  nHeads: number;
  nKvHeads: number;
  softcap: number | null;
  /** ALiBi's slopes, one per query head, or null */
  alibiSlopes: number[] | null;
}

/** Nested JSON of plain numbers (any rank), or an error naming the first entry that is not one. */
function assertPlainNumbers(m: unknown, name: string, path = ''): void {
  if (Array.isArray(m)) m.forEach((x, i) => assertPlainNumbers(x, name, `${path}[${i}]`));
  else if (typeof m !== 'number') throw new ArgumentError(`${name}${path} must be a number, got ${JSON.stringify(m)}`);
}

async function explainAttention(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, ATTENTION_OPTIONS, 'explain attention');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain attention\` (tensors go in --q, --k, --v)`);
  const q = matrixOption(o.q, 'q') as Nested;
  const k = matrixOption(o.k, 'k') as Nested;
  const v = matrixOption(o.v, 'v') as Nested;
  const backend = parseChoiceOption(o.backend ?? 'reference', 'backend', BACKENDS);
  const digits = digitsOption(o.digits, 4);
  const json = (name: 'mask' | 'bias' | 'key-lengths') => (o[name] === undefined ? undefined : parseJsonOption(o[name]!, name));
  const causal = o.causal === undefined ? null : parseChoiceOption(o.causal, 'causal', CAUSAL_ALIGNMENTS);
  if (o['no-scale'] && o.scale !== undefined) throw new UsageError('--no-scale and --scale X contradict each other: give one');
  const options: GeneralAttentionOptions = {
    scale: o.scale !== undefined ? parseNumberOption(o.scale, 'scale') : !o['no-scale'],
    causal,
    mask: json('mask'),
    bias: json('bias'),
    alibi: o.alibi === true,
    softcap: o.softcap !== undefined ? parseNumberOption(o.softcap, 'softcap') : null,
    keyLengths: json('key-lengths') as number[] | undefined,
  };
  const dims = checkGeneralAttentionShapes(shapeOf(q, 'q'), shapeOf(k, 'k'), shapeOf(v, 'v'));
  assertPlainNumbers(q, 'q');
  assertPlainNumbers(k, 'k');
  assertPlainNumbers(v, 'v');
  if (o['kv-heads'] !== undefined) {
    const nKv = parseIntegerOption(o['kv-heads'], 'kv-heads', 1);
    if (dims.rank < 3) throw new UsageError('--kv-heads needs a head axis: give q, k and v as 3-D (heads, n, d) or 4-D (batch, heads, n, d) nested JSON');
    if (dims.nKvHeads !== nKv) throw new ShapeError(`--kv-heads ${nKv} but k and v have ${dims.nKvHeads} heads (their axis −3)`);
  }
  checkMaskAndBias(options, dims, options.mask, options.bias);
  const tokens = o.tokens === undefined ? undefined : o.tokens.split(',').map((t) => t.trim());
  if (tokens && tokens.length !== dims.nK) throw new UsageError(`--tokens has ${tokens.length} names but k has ${dims.nK} rows (one name per key token)`);
  const factor = resolveScale(options.scale, dims.dK);
  checkGeneralAttentionRange(q, k, v, options, factor); // float32's range, on the host, for every backend (numeric-conventions rules 3a, 3b)

  let steps: Record<StepName, Nested>;
  let backendName: string = backend;
  let summary = REFERENCE_SUMMARY;
  if (backend === 'tfjs') {
    const r = await onTfjs('attentionSteps', { q, k, v, options });
    backendName = r.name;
    summary = r.summary;
    steps = r.value as Record<StepName, Nested>;
  } else {
    steps = attention(q, k, v, { ...options, steps: true });
  }
  const slopes = options.alibi ? alibiSlopes(dims.nHeads) : null;

  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: AttentionJson = {
      ...(Object.fromEntries(STEP_NAMES.map((n) => [n, steps[n]])) as Record<StepName, Nested>),
      backend: backendName,
      scale: factor,
      causal,
      nHeads: dims.nHeads,
      nKvHeads: dims.nKvHeads,
      softcap: options.softcap ?? null,
      alibiSlopes: slopes,
    };
    io.out(toJson(result));
    return 0;
  }

  const { nQ, nK, dK, dV } = dims;
  const keyLabels = tokens ?? Array.from({ length: nK }, (_, j) => `k${j}`);
  const queryLabels = tokens && nQ === nK ? tokens : Array.from({ length: nQ }, (_, i) => `q${i}`);
  const grid = { rowLabels: queryLabels, colLabels: keyLabels, digits };
  const shapeText = (x: Nested) => `(${shapeOf(x).join(' × ')})`;
  /** A step: one matrix at rank 2; one labelled matrix per (batch, head) otherwise. */
  const show = (x: Nested, opts: Parameters<typeof formatMatrix>[1]): string => {
    if (dims.rank === 2) return formatMatrix(x as number[][], opts);
    const blocks: string[] = [];
    const walk = (y: unknown, at: number[]) => {
      if (at.length === dims.rank - 2) {
        const label = dims.rank === 4 ? `batch ${at[0]}, head ${at[1]}` : `head ${at[0]}`;
        blocks.push(`[${label}]\n${formatMatrix(y as number[][], opts)}`);
      } else (y as unknown[]).forEach((z, i) => walk(z, [...at, i]));
    };
    walk(x, []);
    return blocks.join('\n');
  };
  const scaleText = o['no-scale'] ? '1 (--no-scale: the 1/√d_k factor is left out)' : o.scale !== undefined ? `${formatNumber(factor, 6)} (--scale)` : `1/√${dK} ≈ ${formatNumber(factor, 6)}`;
  const maskParts = [
    causal === 'top-left' ? 'j > i (causal, top-left: query i sees keys 0…i, as PyTorch is_causal)' : null,
    causal === 'bottom-right' ? (nQ === nK ? 'j > i (causal: query i sees keys 0…i only)' : `j > i + ${nK - nQ} (causal, bottom-right: queries are the last ${nQ} of ${nK} positions)`) : null,
    options.mask != null ? 'the --mask is false' : null,
    options.keyLengths != null ? 'j ≥ the sequence\'s --key-lengths' : null,
  ].filter((x): x is string => x !== null);
  const lines = [
    'Attention:  softmax(mask(cap · tanh(scale · Q Kᵀ / cap) + bias)) V;  with no option, Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V',
    `backend: ${summary}`,
    `shapes: Q ${shapeText(q)}, K ${shapeText(k)}, V ${shapeText(v)}; n_q = ${nQ} queries, n_k = ${nK} keys, d_k = ${dK}, d_v = ${dV}` +
      (dims.rank >= 3 ? `; ${dims.nHeads} query heads, ${dims.nKvHeads} key/value heads${dims.group > 1 ? ` (each shared by ${dims.group} query heads, HF repeat_kv order)` : ''}` : ''),
    '',
  ];
  if (dims.rank === 2) {
    lines.push(formatLabelledMatrix('Q', q as number[][], { rowLabels: queryLabels, digits }), formatLabelledMatrix('K', k as number[][], { rowLabels: keyLabels, digits }), formatLabelledMatrix('V', v as number[][], { rowLabels: keyLabels, digits }), '');
  }
  let n = 0;
  /** "n. title  (shape): note", then the step's matrices. */
  const step = (title: string, x: Nested, note = '', opts: Parameters<typeof formatMatrix>[1] = grid) => lines.push(`${++n}. ${title}  ${shapeText(x)}${note ? `: ${note}` : ''}`, show(x, opts), '');
  step('scores = Q Kᵀ', steps.scores, 'entry (i, j) is query i · key j');
  step(`scaled = scores × ${scaleText}`, steps.scaled);
  if (options.softcap != null) step(`capped = ${options.softcap} · tanh(scaled / ${options.softcap})`, steps.capped, `logit soft-capping (Gemma 2), |capped| < ${options.softcap}`);
  if (options.bias != null || options.alibi) {
    const what = [options.bias != null ? 'the --bias' : null, options.alibi ? `ALiBi m_h · (j − p_i), slopes ${formatVector(slopes!, 6)}` : null].filter(Boolean).join(' + ');
    step(`biased = ${options.softcap != null ? 'capped' : 'scaled'} + ${what}`, steps.biased);
  }
  step(
    maskParts.length ? `masked = previous step with −∞ where ${maskParts.join(', or where ')}` : 'masked = previous step (no mask: every query sees every key; add --causal for the decoder mask)',
    steps.masked,
  );
  step('weights = softmax(masked) along each row', steps.weights, 'each row sums to 1; −∞ gets weight 0; a fully masked row is all 0');
  step('output = weights V', steps.output, "row i is query i's weighted average of the rows of V", { rowLabels: queryLabels, digits });
  io.out(lines.join('\n').trimEnd());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// explain positional-encoding

const PE_OPTIONS = {
  d: { type: 'string', valueName: 'D' },
  positions: { type: 'string', valueName: 'N' },
  base: { type: 'string', valueName: 'B' },
  backend: { type: 'string', valueName: 'reference|tfjs' },
  digits: { type: 'string', valueName: 'N' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

export interface PositionalEncodingJson {
  pe: number[][];
  d: number;
  positions: number;
  base: number;
  backend: string;
}

async function explainPositionalEncoding(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, PE_OPTIONS, 'explain positional-encoding');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain positional-encoding\``);
  const d = parseIntegerOption(requireOption(o.d, 'd', 'D'), 'd');
  const positions = parseIntegerOption(requireOption(o.positions, 'positions', 'N'), 'positions');
  if (positions < 1) throw new UsageError(`--positions must be a count ≥ 1 (positions 0…N−1), got ${positions}`);
  const base = o.base === undefined ? 10000 : parseNumberOption(o.base, 'base');
  const backend = parseChoiceOption(o.backend ?? 'reference', 'backend', BACKENDS);
  const digits = digitsOption(o.digits, 4);
  checkEncodingArgs(d, base); // odd or too small d, base ≤ 1: the layer's own message
  checkEncodingSize(positions, d, BYTES.float64 + BYTES.printedNumber); // the matrix and its printout

  const { value: pe, name: backendName, summary } = await onBackend(
    backend,
    () => sinusoidalEncoding(positions, d, { base }),
    'sinusoidalEncoding',
    { positions, d, base },
  );

  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: PositionalEncodingJson = { pe, d, positions, base, backend: backendName };
    io.out(toJson(result));
    return 0;
  }
  const omegas = Array.from({ length: d / 2 }, (_, i) => 1 / Math.pow(base, (2 * i) / d));
  const lines = [
    'Sinusoidal positional encoding:  PE(pos, 2i) = sin(pos / base^(2i/d)),  PE(pos, 2i+1) = cos(pos / base^(2i/d))',
    `d = ${d}, positions 0…${positions - 1}, base = ${base}; backend: ${summary}`,
    `angular frequencies ω_i = base^(−2i/d): ${omegas.map((w, i) => `ω${i} = ${Number(w.toPrecision(6))}`).join(', ')}`,
    '',
    formatLabelledMatrix('PE', pe, {
      digits,
      rowLabels: pe.map((_, p) => `pos ${p}`),
      colLabels: Array.from({ length: d }, (_, c) => `${c % 2 === 0 ? 'sin' : 'cos'} ω${Math.floor(c / 2)}`),
    }),
  ];
  io.out(lines.join('\n'));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// explain rope
//
// RoPE on a given x (n × d): each pair (a, b) of the first rotaryDim dimensions at position p turns
// by the angle p·θ^(−2i/rotaryDim); the pairing names which dimensions form pair i (interleaved:
// 2i, 2i+1 as in GPT-J; half: i, i + rotaryDim/2 as in GPT-NeoX and HF LLaMA); dimensions from
// rotaryDim on pass through. The layer's own checker names a bad rotaryDim (odd, < 2, > d).

const ROPE_OPTIONS = {
  x: { type: 'string', valueName: 'JSON' },
  positions: { type: 'string', valueName: 'JSON' },
  base: { type: 'string', valueName: 'B' },
  pairing: { type: 'string', valueName: 'interleaved|half' },
  'rotary-dim': { type: 'string', valueName: 'R' },
  backend: { type: 'string', valueName: 'reference|tfjs' },
  digits: { type: 'string', valueName: 'N' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

export interface RopeJson {
  x: number[][];
  rotated: number[][];
  positions: number[];
  base: number;
  pairing: RopePairing;
  rotaryDim: number;
  backend: string;
}

async function explainRope(argv: readonly string[], io: Io): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, ROPE_OPTIONS, 'explain rope');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain rope\``);
  const x = matrixOption(o.x, 'x');
  assertPlainNumbers(x, 'x');
  const positions = o.positions === undefined ? undefined : (parseJsonOption(o.positions, 'positions') as number[]);
  const base = o.base === undefined ? undefined : parseNumberOption(o.base, 'base');
  const pairing = parseChoiceOption(o.pairing ?? 'interleaved', 'pairing', Object.keys(ROPE_PAIRINGS) as RopePairing[]);
  const rotaryDim = o['rotary-dim'] === undefined ? undefined : parseIntegerOption(o['rotary-dim'], 'rotary-dim');
  const backend = parseChoiceOption(o.backend ?? 'reference', 'backend', BACKENDS);
  const digits = digitsOption(o.digits, 4);
  const options = { positions, base, pairing, rotaryDim };
  const resolved = checkRopeArgs(x, options); // shapes, rotaryDim (odd, < 2, > d), positions, base: named errors

  const { value: rotated, name: backendName, summary } = await onBackend(
    backend,
    () => referenceRope(x, options),
    'rope',
    { x, options },
  );

  if (o.json) {
    if (backend === 'tfjs') io.err(`backend: ${summary}`);
    const result: RopeJson = { x, rotated, positions: resolved.positions, base: resolved.base, pairing: resolved.pairing, rotaryDim: resolved.rotaryDim, backend: backendName };
    io.out(toJson(result));
    return 0;
  }
  const { n, d, rotaryDim: r } = resolved;
  const label = (c: number) => (c >= r ? `pass ${c}` : `d${c}`);
  const lines = [
    `RoPE: pair i of the first ${r} dimensions turns by position·θ^(−2i/${r}); pairing ${resolved.pairing} (${ROPE_PAIRINGS[resolved.pairing]})`,
    `n = ${n}, d = ${d}, rotaryDim = ${r}${r < d ? ` (dimensions ${r}…${d - 1} pass through)` : ''}, θ = ${resolved.base}, positions ${JSON.stringify(resolved.positions)}; backend: ${summary}`,
    '',
    formatLabelledMatrix('x', x, { digits, rowLabels: resolved.positions.map((p) => `pos ${p}`), colLabels: Array.from({ length: d }, (_, c) => label(c)) }),
    '',
    formatLabelledMatrix('RoPE(x)', rotated, { digits, rowLabels: resolved.positions.map((p) => `pos ${p}`), colLabels: Array.from({ length: d }, (_, c) => label(c)) }),
  ];
  io.out(lines.join('\n'));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Golden records: loading, and comparing a computed value with what a record expects

function loadClaim(id: string): GoldenClaim {
  try {
    return getClaim(id);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    if (e instanceof SpecError && e.code === 'UNKNOWN_CLAIM') {
      throw new ClaimRecordError(`golden record ${id} is missing (expected golden/<topic>/${id}.json): this example reads the document's printed numbers from it`);
    }
    throw new ClaimRecordError(`cannot load golden record ${id}: ${why}`);
  }
}

function findCheck(claim: GoldenClaim, label: string): Check {
  const check = claim.checks.find((c) => c.label === label);
  if (!check) {
    throw new ClaimRecordError(`golden record ${claim.id} has no check labelled "${label}" (its labels: ${claim.checks.map((c) => c.label).join(', ')})`);
  }
  return check;
}

type NestedOf<T> = T | NestedOf<T>[];

/** A computed quantity in float64 and, where available, at 64 digits. */
interface Computed {
  f64: NestedOf<number>;
  big?: NestedOf<BigNumber>;
}

/** How a computed value relates to an expectation. */
type Match = 'exact' | 'rounds' | 'truncates' | 'differs' | 'not-compared';

const MATCH_RANK: Record<Match, number> = { exact: 0, rounds: 1, truncates: 2, differs: 3, 'not-compared': 4 };
const worse = (a: Match, b: Match): Match => (MATCH_RANK[a] >= MATCH_RANK[b] ? a : b);

/** Truncation (toward zero) to the printed decimals: how "6.436" can come from 6.43656. */
function truncatesTo(x: number, printed: string): boolean {
  const k = printedDecimals(printed);
  const t = Math.trunc(x * 10 ** k + Math.sign(x) * 1e-9) / 10 ** k;
  return Math.abs(t - Number(printed)) < 0.5 * 10 ** -(k + 3);
}

/**
 * One scalar against the record, judged by the project's judge (src/claims/verdict.ts) exactly as
 * `npm start` judges it; only the explanation of a miss ("truncates": how 6.436 can come from
 * 6.43656) is this command's own.
 */
function compareScalar(kind: 'printed' | 'exact' | 'closedForm', expected: unknown, f64: number, big: BigNumber | undefined): Match {
  const judge = (exp: Expectation) => (big !== undefined ? evaluateExpectation(exp, big as never, 'high-precision', bignumber) : evaluateExpectation(exp, f64, 'reference', float64)).ok;
  if (kind === 'closedForm') return judge({ closedForm: String(expected) }) ? 'exact' : 'differs';
  if (typeof expected === 'number') return evaluateExpectation({ exact: expected }, f64, 'reference', float64).ok ? 'exact' : 'differs';
  if (kind === 'printed' && typeof expected === 'string') {
    if (!/^[-+]?\d*(\.\d+)?$/.test(expected.trim())) return 'not-compared';
    if (evaluateExpectation({ printed: expected }, f64, 'reference', float64).ok) return 'rounds';
    return truncatesTo(f64, expected) ? 'truncates' : 'differs';
  }
  return 'not-compared';
}

/** Compares elementwise; picks, among `candidates`, the computed value whose shape the record uses. */
interface Compared {
  match: Match;
  /** The record's value as text. */
  text: string;
  /** "document" for printed numbers, "expected" for exact values and closed forms. */
  role: string;
  /** The verdict of the comparison for humans: "✓ rounds to the printed digits". */
  mark: string;
  note?: string;
}

function compare(expectation: Expectation, candidates: Computed[]): Compared {
  const kind = Object.keys(expectation).find((key) => key !== 'float32') as keyof Expectation & string;
  const value = (expectation as Record<string, unknown>)[kind];
  const text = `${formatNested(value)}  (${kind})`;
  const role = kind === 'printed' ? 'document' : 'expected';
  const result = (match: Match, shown = text, note?: string): Compared => ({
    match,
    text: shown,
    role,
    note,
    mark: match === 'exact' && kind === 'closedForm' && candidates.some((c) => c.big !== undefined) ? '✓ equal to 50 digits (BigNumber oracle)' : MARK[match],
  });
  if (kind !== 'printed' && kind !== 'exact' && kind !== 'closedForm') return result('not-compared');
  const want = shapeOf(value).join('×');
  const computed = candidates.find((c) => shapeOf(c.f64).join('×') === want);
  if (!computed) {
    return result('differs', text, `the record has shape [${want}], the computed values have shape ${candidates.map((c) => `[${shapeOf(c.f64).join('×')}]`).join(' or ')}`);
  }
  let match: Match = 'exact';
  const walk = (e: unknown, f: NestedOf<number>, b: NestedOf<BigNumber> | undefined): void => {
    if (Array.isArray(e)) {
      e.forEach((x, i) => walk(x, (f as NestedOf<number>[])[i], (b as NestedOf<BigNumber>[] | undefined)?.[i]));
      return;
    }
    match = worse(match, compareScalar(kind, e, f as number, b as BigNumber | undefined));
  };
  walk(value, computed.f64, computed.big);
  if (kind === 'closedForm') {
    const values = (function evalAll(v: unknown): unknown {
      return Array.isArray(v) ? v.map(evalAll) : evaluateClosedForm(String(v)).toNumber();
    })(value);
    return result(match, `${formatNested(value)} = ${formatNested(values, 6)}  (closed form)`);
  }
  return result(match);
}

const MARK: Record<Match, string> = {
  exact: '✓ exact',
  rounds: '✓ the computed value rounds to the printed digits',
  truncates: '≈ the computed value truncates (not rounds) to the printed digits',
  differs: '✗ differs from the computed value',
  'not-compared': '· not compared here',
};

/** Tally kept while an example is replayed: how many claims, and whether any contradicts its verdict. */
interface Tally {
  claims: Map<string, GoldenClaim>;
  contradictions: string[];
}

function sourceLine(claim: GoldenClaim): string {
  return `source: ${DOCUMENTS[claim.document]?.title ?? claim.document}`;
}

/** One check of a record, with the computed value(s) it is compared with. */
interface CheckView {
  label: string;
  /** Computed values in the shapes the record may use (a row, or the whole matrix). */
  candidates: Computed[];
  /** Printed on a "computed" line just before the document's value. */
  computed?: { value: NestedOf<number>; what?: string };
  /** Shown when present in the record, skipped when not (checks the brief does not require). */
  optional?: boolean;
}

/**
 * One claim as a block a teacher can cite, each check's computed value beside the document's:
 *
 *   computed  [0.155362, 0.422319, 0.422319]
 *   document  [0.155, 0.42, 0.422]  (printed)   ✓ the computed value rounds to the printed digits
 *   claim     course.attention.i-love-cats.weights — verdict: holds-under-assumption
 *   assumes   scaling by 1/√d_k is skipped, ...
 */
function claimBlock(id: string, views: CheckView[], tally: Tally, digits: number, indent = '   '): string {
  const claim = loadClaim(id);
  tally.claims.set(id, claim);
  const lines: string[] = [];
  const cont = `${indent}          `;
  for (const view of views) {
    const check = view.optional ? claim.checks.find((c) => c.label === view.label) : findCheck(claim, view.label);
    if (!check) continue;
    if (views.length > 1) lines.push(`${indent}· check "${view.label}"`);
    if (view.computed) lines.push(computedLine(view.computed.value, digits, indent, view.computed.what));
    const expected = compare(check.expect, view.candidates);
    lines.push(`${indent}${expected.role.padEnd(8)}  ${expected.text}   ${expected.mark}`);
    if (expected.note) lines.push(`${cont}(${expected.note})`);
    if (check.note) lines.push(`${indent}note      ${wrap(check.note, 100, cont)}`);
    if (claim.verdict === 'erratum' && check.correct !== undefined) {
      const correct = compare(check.correct, view.candidates);
      lines.push(`${indent}correct   ${correct.text}   ${correct.mark}`);
      if (correct.match === 'differs') tally.contradictions.push(`${id} (${view.label}): the record's correct value differs from the computation`);
      if (expected.match !== 'differs') tally.contradictions.push(`${id} (${view.label}): an erratum, yet the printed value agrees with the computation`);
    } else if (expected.match === 'differs') {
      tally.contradictions.push(`${id} (${view.label}): verdict ${claim.verdict}, yet the value differs from the computation`);
    }
  }
  lines.push(...claimFooter(claim, indent));
  return lines.join('\n');
}

/** "claim <id> — verdict: …", then the assumptions or the erratum's explanation. */
function claimFooter(claim: GoldenClaim, indent = ''): string[] {
  const cont = `${indent}          `;
  const lines = [`${indent}claim     ${claim.id} — verdict: ${claim.verdict}`];
  if (claim.assumptions.length) lines.push(`${indent}assumes   ${wrap(claim.assumptions.join('; '), 100, cont)}`);
  if (claim.verdict === 'erratum' && claim.erratum) lines.push(`${indent}why       ${wrap(claim.erratum.explanation, 100, cont)}`);
  return lines;
}

function computedLine(value: NestedOf<number>, digits: number, indent = '   ', what = 'computed'): string {
  return `${indent}${what.padEnd(8)}  ${Array.isArray(value) ? formatNested(value, digits) : formatNumber(value, digits)}`;
}

function summaryLines(tally: Tally): string[] {
  const claims = [...tally.claims.values()];
  const count = (v: string) => claims.filter((c) => c.verdict === v).length;
  const lines = [
    `${claims.length} golden claim${claims.length === 1 ? '' : 's'} shown: ${count('holds')} hold${count('holds') === 1 ? 's' : ''}, ` +
      `${count('holds-under-assumption')} hold${count('holds-under-assumption') === 1 ? 's' : ''} under a stated assumption, ` +
      `${count('erratum')} errat${count('erratum') === 1 ? 'um' : 'a'}.`,
    'Cite a line by its claim id; the records live in golden/<topic>/<id>.json and `npm start` (verify) checks them all.',
  ];
  if (tally.contradictions.length) {
    lines.push('', 'warning: these records disagree with the computation (exit code 1):', ...tally.contradictions.map((c) => `  - ${c}`));
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// explain i-love-cats

const EXAMPLE_OPTIONS = { digits: { type: 'string', valueName: 'N' } } as const satisfies OptionSpecs;

const CATS = 'course.attention.i-love-cats';

function sumBig(xs: BigNumber[]): BigNumber {
  return xs.reduce((a, b) => a.plus(b));
}

/** The record's stated inputs must be the example replayed here (a record edited apart from it is a bug). */
function assertSameInputs(claim: GoldenClaim, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) {
    const given = claim.inputs?.[key];
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(value)) {
      throw new ClaimRecordError(`golden record ${claim.id} has inputs.${key} = ${JSON.stringify(given)}, but the example replayed here uses ${JSON.stringify(value)}`);
    }
  }
}

function explainILoveCats(argv: readonly string[], io: Io): number {
  const { options: o, positionals } = parseArgs(argv, EXAMPLE_OPTIONS, 'explain i-love-cats');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain i-love-cats\``);
  const digits = digitsOption(o.digits, 6);
  const tally: Tally = { claims: new Map(), contradictions: [] };

  // The slide's setup: three 2-d embeddings and identity projections, so Q = K = V = X.
  const tokens = ['I', 'love', 'cats'];
  const X = [[1, 0], [0, 1], [1, 1]]; // (3 × 2): one row per token
  const I2 = [[1, 0], [0, 1]]; // W_Q = W_K = W_V (2 × 2)
  const [Q, K, V] = [matMul(X, I2), matMul(X, I2), matMul(X, I2)]; // (3 × 2) each
  const love = 1; // the query the slide follows
  const ids = ['scores', 'denominator', 'exact-weights', 'weights', 'exact-output', 'output-three-decimals', 'output-two-decimals', 'with-scaling'];
  const records = ids.map((name) => loadClaim(`${CATS}.${name}`)); // fails early, naming the id, if one is absent
  records.forEach((r) => assertSameInputs(r, { x: X, tokens, queryRow: love }));
  const first = records[0];

  const plain = scaledDotProductAttention(Q, K, V, { scale: false, steps: true }); // as the slide: no 1/√d_k
  const plainBig = hp.scaledDotProductAttention(hp.toBig(Q), hp.toBig(K), hp.toBig(V), { scale: false, steps: true });
  const scaled = scaledDotProductAttention(Q, K, V, { steps: true }); // with 1/√2
  const scaledBig = hp.scaledDotProductAttention(hp.toBig(Q), hp.toBig(K), hp.toBig(V), { steps: true });

  const scoreRow = plain.scores[love];
  const expRow = scoreRow.map(Math.exp);
  const denominator = expRow.reduce((a, b) => a + b, 0);
  const denominatorBig = sumBig(plainBig.scores[love].map((s) => s.exp()));
  // The slide evaluates 1 + 2e with e ≈ 2.718; its record says so in inputs.eApprox.
  const denominatorRecord = records[1];
  const eApprox = typeof denominatorRecord.inputs?.eApprox === 'string' ? denominatorRecord.inputs.eApprox : undefined;
  const slideDenominator = eApprox === undefined ? undefined : 1 + 2 * Number(eApprox);
  const slideDenominatorBig = eApprox === undefined ? undefined : bignumber.one.plus(bignumber.from(eApprox).times(2));

  const row = (m: number[][], mb: BigNumber[][]): Computed => ({ f64: m[love], big: mb[love] });
  const whole = (m: number[][], mb: BigNumber[][]): Computed => ({ f64: m, big: mb });
  const exact = (m: number[][], mb: BigNumber[][]) => [row(m, mb), whole(m, mb)];

  const out: string[] = [
    'The course\'s "I love cats" self-attention example',
    sourceLine(first),
    'computed with the float64 reference (src/reference/); closed forms checked to 50 digits on the BigNumber oracle',
    '✓ rounds to the printed digits (or equals an exact value), ≈ truncates instead of rounding, ✗ differs',
    '',
    'Setup: embeddings I = [1, 0], love = [0, 1], cats = [1, 1]; W_Q = W_K = W_V = identity, so Q = K = V = X.',
    formatLabelledMatrix('X = Q = K = V', X, { rowLabels: tokens, digits: 0 }),
    'The slide follows the query "love" and, to keep the arithmetic small, does not divide by √d_k.',
    '',
    '1. Raw scores  s_j = q_love · k_j',
    ...tokens.map((t, j) => `   love · ${t.padEnd(4)} = ${Q[love].map((x, c) => `${x}·${K[j][c]}`).join(' + ')} = ${scoreRow[j]}`),
    claimBlock(`${CATS}.scores`, [{ label: 'scores', computed: { value: scoreRow }, candidates: exact(plain.scores, plainBig.scores) }], tally, digits),
    '',
    '2. Exponentials  exp(s_j) = [e^0, e^1, e^1] = [1, e, e]   (no record of its own: the step to the denominator)',
    computedLine(expRow, digits),
    '',
    '3. Softmax denominator  Σ_j exp(s_j) = 1 + e + e = 1 + 2e',
    ...(slideDenominator === undefined ? [] : [`   with the slide's e ≈ ${eApprox}: 1 + 2·${eApprox} = ${formatNumber(slideDenominator, digits)}; with the exact e: ${formatNumber(denominator, digits)}`]),
    claimBlock(
      `${CATS}.denominator`,
      [
        {
          label: 'denominator',
          computed: { value: slideDenominator ?? denominator },
          candidates: [slideDenominator === undefined ? { f64: denominator, big: denominatorBig } : { f64: slideDenominator, big: slideDenominatorBig }],
        },
        { label: 'denominatorExactE', optional: true, computed: { value: denominator }, candidates: [{ f64: denominator, big: denominatorBig }] },
      ],
      tally,
      digits,
    ),
    '',
    '4. Attention weights  α_j = exp(s_j) / (1 + 2e)',
    computedLine(plain.weights[love], digits),
    claimBlock(`${CATS}.exact-weights`, [{ label: 'weights', candidates: exact(plain.weights, plainBig.weights) }], tally, digits),
    claimBlock(`${CATS}.weights`, [{ label: 'weights', candidates: exact(plain.weights, plainBig.weights) }], tally, digits),
    '',
    '5. Output  z_love = Σ_j α_j v_j = α_I·[1, 0] + α_love·[0, 1] + α_cats·[1, 1] = [(1 + e)/(1 + 2e), 2e/(1 + 2e)]',
    computedLine(plain.output[love], digits),
    ...['exact-output', 'output-three-decimals', 'output-two-decimals'].map((name) =>
      claimBlock(`${CATS}.${name}`, [{ label: 'output', candidates: exact(plain.output, plainBig.output) }], tally, digits),
    ),
    '',
    `6. The same example WITH the paper's 1/√d_k scaling (d_k = 2, factor 1/√2 ≈ ${formatNumber(1 / Math.SQRT2, digits)}); not printed by the slide`,
    computedLine(scaled.scaled[love], digits, '   ', 'scaled'),
    '   weights α_j = exp(s_j/√2) / (1 + 2·exp(1/√2)), output Σ_j α_j v_j',
    claimBlock(
      `${CATS}.with-scaling`,
      [
        { label: 'weights', computed: { value: scaled.weights[love] }, candidates: exact(scaled.weights, scaledBig.weights) },
        { label: 'output', computed: { value: scaled.output[love] }, candidates: exact(scaled.output, scaledBig.output) },
      ],
      tally,
      digits,
    ),
    `   Scaling flattens the weights (${plain.weights[love].map((x) => formatNumber(x, 3)).join(' / ')} → ` +
      `${scaled.weights[love].map((x) => formatNumber(x, 3)).join(' / ')}): dividing by √d_k keeps large-d_k dot products from saturating the softmax.`,
    '',
    ...summaryLines(tally),
  ];
  io.out(out.join('\n'));
  return tally.contradictions.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// explain i-am-a-robot

const ROBOT = 'course.pe.i-am-a-robot';

/** base^(2i/d) written the way the slide writes the denominator: an integer when it is one. */
function denominatorText(base: number, i: number, d: number): string {
  const value = Math.pow(base, (2 * i) / d);
  return Math.abs(value - Math.round(value)) < 1e-9 ? String(Math.round(value)) : `${base}^(${2 * i}/${d})`;
}

function explainIAmARobot(argv: readonly string[], io: Io): number {
  const { options: o, positionals } = parseArgs(argv, EXAMPLE_OPTIONS, 'explain i-am-a-robot');
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain i-am-a-robot\``);
  const digits = digitsOption(o.digits, 6);
  const claim = loadClaim(ROBOT);
  const check = findCheck(claim, 'pe');
  const tally: Tally = { claims: new Map([[ROBOT, claim]]), contradictions: [] };

  // The slide's table: four tokens, d = 4, and n = 100 in place of the paper's 10000.
  const d = 4;
  const n = 4;
  const base = 100;
  assertSameInputs(claim, { d, positions: n, base });
  const inputTokens = claim.inputs?.tokens;
  const tokens = Array.isArray(inputTokens) && inputTokens.length === n ? inputTokens.map(String) : ['I', 'am', 'a', 'robot'];
  const pe = sinusoidalEncoding(n, d, { base }); // (4 × 4)
  const divisors = Array.from({ length: d / 2 }, (_, i) => Math.pow(base, (2 * i) / d)); // base^(2i/d), one per pair

  const printed = (check.expect as { printed?: unknown }).printed;
  if (!Array.isArray(printed) || shapeOf(printed).join('×') !== `${n}×${d}`) {
    throw new ClaimRecordError(`golden record ${ROBOT}: check "pe" should hold expect.printed as a ${n}×${d} table, got ${JSON.stringify(check.expect).slice(0, 120)}`);
  }
  const printedRows = printed as unknown[][];
  const correctRows = (check.correct as { printed?: unknown } | undefined)?.printed as unknown[][] | undefined;
  const rowLabels = tokens.map((t, p) => `${p} ${t}`);
  const colLabels = Array.from({ length: d }, (_, c) => `${c % 2 === 0 ? 'sin' : 'cos'} i=${Math.floor(c / 2)}`);

  const rows: string[][] = [];
  let worst: Match = 'exact';
  let worstCorrect: Match = 'exact';
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < d; c++) {
      const i = Math.floor(c / 2);
      const fn = c % 2 === 0 ? 'sin' : 'cos';
      const name = p < 10 && c < 10 ? `P${p}${c}` : `P(${p},${c})`;
      const m = compareScalar('printed', printedRows[p][c], pe[p][c], undefined);
      worst = worse(worst, m);
      const cells = [name, `${fn}(${p}/${denominatorText(base, i, d)})`, formatNumber(pe[p][c], digits), String(printedRows[p][c]), MARK[m].split(' ')[0]];
      if (correctRows) {
        const mc = compareScalar('printed', correctRows[p][c], pe[p][c], undefined);
        worstCorrect = worse(worstCorrect, mc);
        cells.push(String(correctRows[p][c]));
      }
      rows.push(cells);
    }
  }
  if (claim.verdict === 'erratum' && correctRows) {
    if (worstCorrect === 'differs') tally.contradictions.push(`${ROBOT} (pe): the record's correct table differs from the computation`);
    if (worst !== 'differs') tally.contradictions.push(`${ROBOT} (pe): an erratum, yet every printed entry agrees with the computation`);
  } else if (worst === 'differs') {
    tally.contradictions.push(`${ROBOT} (pe): verdict ${claim.verdict}, yet some printed entries differ from the computation`);
  }
  const divisorCheck = claim.checks.find((c) => c.label === 'divisors');
  const divisorLines: string[] = [];
  if (divisorCheck) {
    const cmp = compare(divisorCheck.expect, [{ f64: divisors }]);
    if (cmp.match === 'differs') tally.contradictions.push(`${ROBOT} (divisors): the divisors differ from the computation`);
    divisorLines.push(`${cmp.role.padEnd(8)}  ${cmp.text}   ${cmp.mark}`);
  }

  const headers = ['entry', 'formula', 'computed', 'printed', 'agrees'];
  if (correctRows) headers.push('correct');
  const out = [
    'The course\'s positional-encoding table "I am a robot"',
    `${sourceLine(claim)}, ${claim.section}`,
    `d = ${d}, ${n} positions (one per token), base n = ${base} (the slide's n; the paper uses 10000); angles in radians`,
    `PE(pos, 2i) = sin(pos / ${base}^(2i/${d})),  PE(pos, 2i+1) = cos(pos / ${base}^(2i/${d}))`,
    '',
    `divisors ${base}^(2i/${d}) for i = 0…${d / 2 - 1}: ${formatVector(divisors, digits)}`,
    ...divisorLines,
    '',
    `computed (float64, src/reference/)  ${shapeLabel(pe)}`,
    formatMatrix(pe, { digits, rowLabels, colLabels }),
    '',
    `printed by the document  (${printedRows.length} × ${printedRows[0].length})`,
    formatCells(printedRows.map((r) => r.map(String)), { rowLabels, colLabels }),
    '',
    'Entry by entry (P<pos><column>; ✓ rounds to the printed digits or equals an exact value, ≈ truncates, ✗ differs):',
    formatTable(headers, rows, [false, false, true, true, false, true]),
    ...(check.note ? [`note      ${wrap(check.note, 100, '          ')}`] : []),
    '',
    `overall   ${MARK[worst]}`,
    ...claimFooter(claim),
    '',
    ...summaryLines(tally),
  ];
  io.out(out.join('\n'));
  return tally.contradictions.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// explain --list

function listClaims(io: Io): number {
  let claims: GoldenClaim[];
  try {
    claims = loadClaims();
  } catch (e) {
    throw new ClaimRecordError(`cannot load the golden records: ${(e as Error).message.split('\n')[0]}`);
  }
  if (claims.length === 0) {
    io.out('no golden records yet (golden/<topic>/<id>.json)');
    return 0;
  }
  io.out(formatTable(['claim id', 'verdict', 'title'], claims.map((c) => [c.id, c.verdict, c.title])));
  io.out(`\n${claims.length} claims. Explain one step by step with: transformer-spec explain <claim id>; replay the worked examples with: transformer-spec explain i-love-cats | i-am-a-robot`);
  return 0;
}
