/**
 * Reproductions of the tutorial's two training runs (scratch §3.4 TinyBERT, §4.4 TinyGPT): train
 * the printed model on the tutorial's own text (read from the tutorial at run time), print the log
 * in the tutorial's format, evaluate the columns of Table 3.1 / 4.1, and write everything —
 * metrics, log, seed, backend, steps, wall time, the assumptions made — to a JSON report.
 *
 * What the tutorial states and what is assumed where it is silent:
 *
 *   stated    model: n_embed 128, n_head 4, n_layer 4, dropout 0.1 (constructor defaults), learned
 *             positions, pre-LN blocks, GELU FFN; 1000 "epochs", one get_batch() each;
 *             TinyBERT: word tokens of the §3.1 text, labels −100 where unmasked, 80/10/10 rule;
 *             TinyGPT: character tokens of the §4.1 text, next-token targets;
 *             generate(): prompt "Jalāl ", 400 new tokens, temperature 0.8, top_k 50
 *   assumed   BATCH_SIZE 32 and TinyBERT's BLOCK_SIZE 8 (get_batch's defaults); TinyGPT's
 *             BLOCK_SIZE 16 (generate()'s default); 15% of positions selected for masking (BERT);
 *             optimiser AdamW with PyTorch's defaults and lr 1e-3 (the tutorial never shows
 *             its optimiser); no schedule, no clipping; [MASK] = the id after the 23 words;
 *             vocabulary in code-point order (the tutorial's set() order is not reproducible);
 *             TinyGPT's get_batch (not printed) draws starts 0…N−T−1; seed 1337
 *
 * Each "epoch" of the tutorial is one optimiser step on one batch of 32 random windows, not a pass
 * over the text; the log keeps the tutorial's wording.
 */
import { join, relative } from 'node:path';
import { checkWritable, writeFileSet, type OutputFile } from '../core/atomic-write.js';
import { initBackend } from '../core/backend.js';
import { PROJECT_ROOT } from '../core/claims.js';
import { ArgumentError } from '../core/errors.js';
import { seededRng } from '../core/random.js';
import { checkMemory } from '../core/limits.js';
import { serializeSafetensors, type SafeTensor } from '../core/safetensors.js';
import { tinyParameterCount, tinyTrainingBytes, validateTinyConfig, type TinyConfig, type TinyKind } from '../core/tiny-config.js';
import { checkSizes, WINDOW_SPARE } from './batches.js';
import { generateTokens } from '../reference/sampling.js';
import { distributionOf, tinyGptNextLogits } from '../tfjs/sampling.js';
import { distinctN } from '../reference/metrics.js';
import { evaluateBert, evaluateGpt } from './evaluate.js';
import { createTrainer, type StepReport } from './train.js';
import { readPrintedLogs, readTutorialTexts, TUTORIAL_PATH, type PrintedLogLine } from '../core/tutorial.js';
import { charVocabulary, wordVocabulary, type Vocabulary } from './vocab.js';

export interface ReproduceOptions {
  model: TinyKind;
  steps?: number;
  seed?: number;
  lr?: number;
  batchSize?: number;
  blockSize?: number;
  logEvery?: number;
  /** JSON report path; default report/reproduce-<model>.json. null: do not write. */
  out?: string | null;
  /** Also write the trained weights (safetensors) and a config with the vocabulary beside the report. */
  saveWeights?: boolean;
  /** TinyBERT evaluation: masking rounds over every window (default 50). */
  evalRounds?: number;
  /** TinyGPT: length of the generated sample for distinct-n (default the tutorial's 400). */
  maxNewTokens?: number;
  /** TinyGPT: score only the first windows of the text (default all; the test suite's short runs use fewer). */
  evalWindows?: number;
  /** The tutorial file (default ../shared/seeds/…). */
  tutorialPath?: string;
}

export interface ReproduceIo {
  out(line: string): void;
  /** Progress indication (a bar on a terminal); may be a no-op. */
  progress(done: number, total: number, secondsPerStep: number): void;
}

/** The tutorial's printed tables (numbers are facts; cited, not copied prose). */
export const PRINTED_TABLES = {
  tinybert: { table: 'Table 3.1 (scratch §3.4.1)', crossEntropy: '0.2245', perplexity: '1.25', accuracyPercent: '100' },
  tinygpt: { table: 'Table 4.1 (scratch §4.4.1)', crossEntropy: '0.0399', perplexity: '1.04', accuracyPercent: '98.48', bpc: '0.058', distinct1: '0.113', distinct2: '0.432' },
} as const;

export const TUTORIAL_SETTINGS = {
  tinygpt: { blockSize: 16, batchSize: 32, steps: 1000, lr: 1e-3, logEvery: 100 },
  tinybert: { blockSize: 8, batchSize: 32, steps: 1000, lr: 1e-3, logEvery: 100 },
} as const;

export const GENERATE_SETTINGS = { prompt: 'Jalāl ', maxNewTokens: 400, temperature: 0.8, topK: 50 } as const;

export const ASSUMPTIONS: Record<TinyKind, string[]> = {
  tinygpt: [
    'BATCH_SIZE = 32 (the default of the printed get_batch); BLOCK_SIZE = 16 (the default block_size of generate()); the tutorial prints neither constant',
    "TinyGPT's get_batch is not printed: windows start uniformly in 0…N−T−1 and targets are the inputs shifted by one",
    'optimiser not shown: AdamW with PyTorch defaults (betas 0.9/0.999, eps 1e-8, weight decay 0.01) and lr 1e-3; no schedule, no gradient clipping',
    "character vocabulary in code-point order (the tutorial's list(set(text)) order changes from run to run)",
    'weights drawn from PyTorch\'s default initialisation distributions with this project\'s seeded generator (not PyTorch\'s random stream)',
    'evaluation protocol not shown: every next-character prediction of the text once, with up to block_size characters of context, dropout off; distinct-n over the characters of one generate() sample (prompt included)',
  ],
  tinybert: [
    'BATCH_SIZE = 32 and BLOCK_SIZE = 8 (the defaults of the printed get_batch)',
    'mask_tokens is not printed: 15% of positions selected (BERT), then 80% [MASK] / 10% random word / 10% unchanged; [MASK] is id 23, after the 23 words; random words drawn from the 23 words',
    'optimiser not shown: AdamW with PyTorch defaults (betas 0.9/0.999, eps 1e-8, weight decay 0.01) and lr 1e-3; no schedule, no gradient clipping',
    "word vocabulary in code-point order (the tutorial's list(set(words)) order changes from run to run)",
    'weights drawn from PyTorch\'s default initialisation distributions with this project\'s seeded generator (not PyTorch\'s random stream)',
    'evaluation protocol not shown ("a portion of the text, mask certain words"): every 8-word window, masked by the same rule 50 times with a fixed seed, dropout off; scores over the masked (labelled) positions',
  ],
};

export interface ReproductionReport {
  model: TinyKind;
  title: string;
  tutorial: string;
  seed: number;
  backend: string;
  /** When the run finished (ISO 8601). */
  recordedAt: string;
  /** wasm: XNNPACK threads (src/core/wasm-threads.ts). */
  wasmThreads?: number;
  steps: number;
  wallTimeSeconds: number;
  trainingSeconds: number;
  msPerStep: number;
  parameters: number;
  config: TinyConfig;
  hyperparameters: Record<string, unknown>;
  assumptions: string[];
  log: Array<{ epoch: number; loss: number; accuracyPercent?: number }>;
  /** The training loss of every step. */
  losses: number[];
  printedLog: Array<{ epoch: number; loss: number; accuracyPercent?: number }>;
  metrics: Record<string, number>;
  printedTable: Record<string, string>;
  extra: Record<string, unknown>;
  sample?: string;
  files: string[];
}

/** "Epoch 100/1000, Loss: 1.6484[, Accuracy: 5.88]" — the tutorial's log line as printed. */
export function formatLogLine(step: number, steps: number, loss: number, accuracy?: number): string {
  return `Epoch ${step}/${steps}, Loss: ${loss.toFixed(4)}${accuracy === undefined ? '' : `, Accuracy: ${(accuracy * 100).toFixed(2)}`}`;
}

function setup(model: TinyKind, tutorialPath: string): { text: string; vocab: Vocabulary; data: number[] } {
  const texts = readTutorialTexts(tutorialPath);
  if (model === 'tinygpt') {
    const vocab = charVocabulary(texts.gpt);
    return { text: texts.gpt, vocab, data: vocab.encode(texts.gpt) };
  }
  const vocab = wordVocabulary(texts.bert);
  return { text: texts.bert, vocab, data: vocab.encode(texts.bert) };
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`${name} must be an integer ≥ 1, got ${v}`);
  return v;
}

export async function runReproduction(o: ReproduceOptions, io: ReproduceIo): Promise<ReproductionReport> {
  const started = performance.now();
  const model = o.model;
  if (model !== 'tinygpt' && model !== 'tinybert') throw new ArgumentError(`model must be tinygpt or tinybert, got ${JSON.stringify(model)}`);
  const s = TUTORIAL_SETTINGS[model];
  const steps = positiveInt(o.steps ?? s.steps, 'steps');
  const batchSize = positiveInt(o.batchSize ?? s.batchSize, 'batch size');
  const blockSize = positiveInt(o.blockSize ?? s.blockSize, 'block size');
  const logEvery = positiveInt(o.logEvery ?? Math.min(s.logEvery, steps), 'log interval');
  const seed = o.seed ?? 1337;
  const lr = o.lr ?? s.lr;
  const tutorialPath = o.tutorialPath ?? TUTORIAL_PATH;
  // The outputs are checked before the work: a directory in the way fails now, not after training.
  const outPath = o.out === undefined ? join(PROJECT_ROOT, 'report', `reproduce-${model}.json`) : o.out;
  if (outPath) checkWritable([outPath, ...(o.saveWeights ? Object.values(weightPaths(outPath)) : [])]);
  const { vocab, data } = setup(model, tutorialPath);
  checkSizes(data.length, batchSize, blockSize, WINDOW_SPARE[model]);
  const config = validateTinyConfig({ vocab_size: vocab.symbols.length, block_size: blockSize });
  checkMemory(`training ${model} on batches of ${batchSize} × ${blockSize} tokens`, tinyTrainingBytes(model, config, batchSize, blockSize));
  const report = await initBackend();
  const title = model === 'tinygpt' ? 'TinyGPT' : 'TinyBERT';
  io.out(`${title}: ${tinyParameterCount(model, config).toLocaleString('en-US')} parameters, ${data.length} ${model === 'tinygpt' ? 'characters' : 'words'} of text, vocabulary ${vocab.symbols.length}; ${steps} steps of ${batchSize} × ${blockSize}; AdamW lr ${lr}; seed ${seed}; tfjs on ${report.choice}${report.wasmThreads ? ` (${report.wasmThreads.threads} thread${report.wasmThreads.threads === 1 ? '' : 's'})` : ''}`);

  const trainer = createTrainer({ kind: model, config, data, batchSize, blockSize, seed, optimizer: { lr }, ...(model === 'tinybert' ? { maskTokenId: vocab.maskId } : {}) });
  const log: ReproductionReport['log'] = [];
  const losses: number[] = [];
  const trainStart = performance.now();
  try {
    for (let k = 1; k <= steps; k++) {
      const logged = k % logEvery === 0 || k === steps;
      const r: StepReport = trainer.step(logged && model === 'tinybert');
      losses.push(r.loss);
      io.progress(k, steps, (performance.now() - trainStart) / 1000 / k);
      if (logged) {
        io.out(formatLogLine(k, steps, r.loss, r.accuracy));
        log.push({ epoch: k, loss: r.loss, ...(r.accuracy === undefined ? {} : { accuracyPercent: 100 * r.accuracy }) });
      }
    }
    const trainingSeconds = (performance.now() - trainStart) / 1000;

    let metrics: Record<string, number>;
    let extra: Record<string, unknown>;
    let sample: string | undefined;
    if (model === 'tinygpt') {
      const e = evaluateGpt(config, trainer.params, data, blockSize, o.evalWindows);
      const g = GENERATE_SETTINGS;
      const gen = generateTokens(tinyGptNextLogits(config, trainer.params), vocab.encode(g.prompt), {
        blockSize,
        maxNewTokens: o.maxNewTokens ?? g.maxNewTokens,
        temperature: g.temperature,
        topK: g.topK,
        rng: seededRng(seed),
        distribution: distributionOf({ temperature: g.temperature, topK: g.topK }),
      });
      sample = vocab.decode(gen.tokens);
      const chars = [...sample];
      metrics = { crossEntropy: e.crossEntropy, perplexity: e.perplexity, accuracyPercent: 100 * e.accuracy, bpc: e.bpc, distinct1: distinctN(chars, 1).score, distinct2: distinctN(chars, 2).score };
      extra = { predictionsScored: e.predictions, sampleCharacters: chars.length, topKIsNoOp: g.topK >= vocab.symbols.length };
    } else {
      const e = evaluateBert(config, trainer.params, data, blockSize, { maskTokenId: vocab.maskId!, seed: seed + 1, rounds: o.evalRounds ?? 50 });
      metrics = { crossEntropy: e.crossEntropy, perplexity: e.perplexity, accuracyPercent: 100 * e.accuracy };
      extra = {
        labelledPositionsScored: e.labelled,
        onWindowsTheBatchBuilderDraws: { crossEntropy: e.trainedWindows.crossEntropy, perplexity: e.trainedWindows.perplexity, accuracyPercent: 100 * e.trainedWindows.accuracy, labelled: e.trainedWindows.labelled },
      };
    }
    extra.firstLoss = losses[0];
    extra.lastLoss = losses[losses.length - 1];
    extra.meanLossFirst10Percent = mean(losses.slice(0, Math.max(1, Math.floor(steps / 10))));
    extra.meanLossLast10Percent = mean(losses.slice(-Math.max(1, Math.floor(steps / 10))));

    const printedLog = readPrintedLogs(tutorialPath)[model].map((l: PrintedLogLine) => ({ epoch: l.epoch, loss: l.loss, ...(l.accuracy === undefined ? {} : { accuracyPercent: l.accuracy }) }));
    const weightFiles = o.saveWeights && outPath ? weightFilesOf(outPath, model, config, vocab, trainer.weights()) : [];
    const files = [...(outPath ? [outPath] : []), ...weightFiles.map((f) => f.path)].map(projectPath);
    const result: ReproductionReport = {
      model,
      title: `${title} reproduction of ${PRINTED_TABLES[model].table}`,
      tutorial: relative(PROJECT_ROOT, tutorialPath),
      seed,
      backend: report.choice,
      recordedAt: new Date().toISOString(),
      ...(report.wasmThreads ? { wasmThreads: report.wasmThreads.threads } : {}),
      steps,
      wallTimeSeconds: (performance.now() - started) / 1000,
      trainingSeconds,
      msPerStep: (1000 * trainingSeconds) / steps,
      parameters: tinyParameterCount(model, config),
      config,
      hyperparameters: { batchSize, blockSize, optimizer: 'AdamW', lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, dropout: config.dropout, ...(model === 'tinybert' ? { maskSelectProbability: 0.15, maskRule: '80/10/10' } : { generate: GENERATE_SETTINGS }) },
      assumptions: ASSUMPTIONS[model],
      log,
      losses,
      printedLog,
      metrics,
      printedTable: { ...PRINTED_TABLES[model] },
      extra,
      ...(sample === undefined ? {} : { sample }),
      files,
    };
    io.out(formatMetrics(result));
    if (outPath) {
      // One set: the report and the weights it describes are all new or all old.
      writeFileSet([{ path: outPath, data: `${JSON.stringify(result, null, 2)}\n` }, ...weightFiles]);
      io.out(`report: ${projectPath(outPath)}${weightFiles.length ? `; weights and config: ${weightFiles.map((f) => projectPath(f.path)).join(', ')}` : ''}`);
    }
    return result;
  } finally {
    trainer.dispose();
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A path relative to the project when it lies inside it, absolute otherwise. */
function projectPath(path: string): string {
  const r = relative(PROJECT_ROOT, path);
  return r.startsWith('..') ? path : r;
}

/** Where --save-weights puts the weights and the config, beside the report. */
function weightPaths(outPath: string): { weights: string; config: string } {
  const stem = outPath.replace(/\.json$/, '');
  return { weights: `${stem}.safetensors`, config: `${stem}.config.json` };
}

/** The trained weights (safetensors) and the config with the vocabulary, as files to write with the report. */
function weightFilesOf(outPath: string, model: TinyKind, config: TinyConfig, vocab: Vocabulary, w: ReturnType<ReturnType<typeof createTrainer>['weights']>): OutputFile[] {
  const paths = weightPaths(outPath);
  const tensors = new Map<string, SafeTensor>(w.names.map((n) => [n, { dtype: 'F32', shape: w.tensors.get(n)!.shape, data: w.tensors.get(n)!.values }]));
  return [
    { path: paths.weights, data: serializeSafetensors(tensors, { producer: 'scripts/reproduce.ts', model, source: w.source }) },
    { path: paths.config, data: `${JSON.stringify({ ...config, vocab: vocab.symbols }, null, 2)}\n` },
  ];
}

function formatMetrics(r: ReproductionReport): string {
  const p = r.printedTable;
  const rows = Object.keys(r.metrics).map((k) => `  ${k.padEnd(16)} ${r.metrics[k].toFixed(4).padStart(9)}   (printed ${p[k]})`);
  return [`${p.table}, reproduced (evaluation mode; ${r.steps} steps, ${r.trainingSeconds.toFixed(1)} s of training):`, ...rows].join('\n');
}

/**
 * Progress for scripts/reproduce.ts: on a terminal a bar redrawn in place (carriage return);
 * otherwise (CI logs) one line per 10% of the steps. Written to `stream` (stderr), so stdout keeps
 * only the tutorial-format log and the metrics.
 */
export function streamProgress(stream: NodeJS.WriteStream): ReproduceIo['progress'] {
  let last = -1;
  return (done, total, secondsPerStep) => {
    const eta = Math.max(0, (total - done) * secondsPerStep);
    const text = `${done}/${total} steps, ${secondsPerStep.toFixed(2)} s/step, ETA ${Math.floor(eta / 60)}m${String(Math.round(eta % 60)).padStart(2, '0')}s`;
    if (stream.isTTY) {
      const pct = Math.floor((100 * done) / total);
      if (pct === last && done !== total) return;
      last = pct;
      const width = 30;
      const filled = Math.round((width * done) / total);
      stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}${done === total ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor((10 * done) / total);
    if (decile === last) return;
    last = decile;
    if (decile > 0) stream.write(`progress: ${text}\n`);
  };
}
