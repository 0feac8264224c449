/**
 * (a) tinygpt-train: optimiser steps per second of the project's TinyGPT training loop
 * (src/training/train.ts: training-mode forward with dropout, tf.variableGrads, AdamW) at the
 * tutorial's configuration — vocab 48, block 16, batch 32, n_embed 128, 4 heads, 4 layers,
 * dropout 0.1, AdamW (lr 1e-3, weight decay 0.01) — on one tfjs backend. The batches come from a
 * seeded random token stream: the speed of a step does not depend on the text.
 */
import { seededRng } from '../../src/core/random.js';
import { validateTinyConfig, type TinyConfig } from '../../src/core/tiny-config.js';
import { createTrainer } from '../../src/training/train.js';
import { rate, type Rate, type TimingOptions } from './measure.js';

export const TUTORIAL_CONFIG: TinyConfig = validateTinyConfig({ vocab_size: 48, block_size: 16, n_embed: 128, n_head: 4, n_layer: 4, dropout: 0.1 });
export const BATCH = 32;

export interface TrainResult {
  backend: string;
  stepsPerSec: number;
  runs: number[];
  msPerStep: number;
  /** Loss after the timed steps (a sanity check that training ran: it starts near ln 48 = 3.87). */
  lastLoss: number;
}

export function benchTrain(backend: string, timing: TimingOptions, warmup = 3): TrainResult {
  const rng = seededRng(2024);
  const data = Array.from({ length: 4096 }, () => rng.int(0, TUTORIAL_CONFIG.vocab_size));
  const trainer = createTrainer({ kind: 'tinygpt', config: TUTORIAL_CONFIG, data, batchSize: BATCH, blockSize: TUTORIAL_CONFIG.block_size, seed: 7, optimizer: { lr: 1e-3, weightDecay: 0.01 } });
  try {
    let lastLoss = NaN;
    for (let i = 0; i < warmup; i++) lastLoss = trainer.step().loss;
    const r: Rate = rate(() => {
      lastLoss = trainer.step().loss; // reads the loss back: the step has really finished
      return 1;
    }, timing);
    return { backend, stepsPerSec: r.perSecond, runs: r.runs, msPerStep: 1000 / r.perSecond, lastLoss };
  } finally {
    trainer.dispose();
  }
}
