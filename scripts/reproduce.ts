/**
 * npm run reproduce -- tinygpt|tinybert [--steps N] [--seed S] [--lr X] [--batch-size B]
 *                      [--block-size T] [--out FILE.json] [--save-weights]
 *
 * Trains the tutorial's TinyGPT or TinyBERT on the tutorial's own text (scratch §4.4 / §3.4, read
 * at run time from ../shared/seeds/), prints the training log in the tutorial's format
 * ("Epoch 100/1000, Loss: …[, Accuracy: …]") with a progress indication on stderr, the columns of
 * Table 4.1 / 3.1 beside the printed ones, and writes report/reproduce-<model>.json (metrics, log,
 * seed, backend, steps, wall time, assumptions). --save-weights also writes the trained weights
 * (report/reproduce-<model>.safetensors) and a config with the vocabulary, ready for
 * `transformer-spec generate`. See src/training/reproduce.ts for what is assumed where the
 * tutorial is silent. Exit code 2 on bad usage or a missing tutorial file.
 */
import { resolve } from 'node:path';
import { parseArgs, parseChoiceOption, parseIntegerOption, parseNumberOption, UsageError } from '../src/cli/args.js';
import { SpecError } from '../src/core/errors.js';
import { preferWasmThreadsPerCore } from '../src/core/wasm-threads.js';
import { runReproduction, streamProgress } from '../src/training/reproduce.js';

preferWasmThreadsPerCore('npm run reproduce'); // a training run: matrix products dominate

const OPTIONS = {
  steps: { type: 'string', valueName: 'N' },
  seed: { type: 'string', valueName: 'S' },
  lr: { type: 'string', valueName: 'X' },
  'batch-size': { type: 'string', valueName: 'B' },
  'block-size': { type: 'string', valueName: 'T' },
  out: { type: 'string', valueName: 'FILE.json' },
  'save-weights': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const USAGE = 'usage: npm run reproduce -- tinygpt|tinybert [--steps N] [--seed S] [--lr X] [--batch-size B] [--block-size T] [--out FILE.json] [--save-weights]';

async function main(argv: string[]): Promise<number> {
  try {
    const { positionals, options: o } = parseArgs(argv, OPTIONS, 'reproduce');
    if (o.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`${USAGE} (got ${positionals.length} model names)`);
    const model = parseChoiceOption(positionals[0], 'model', ['tinygpt', 'tinybert'] as const);
    const progress = streamProgress(process.stderr);
    await runReproduction(
      {
        model,
        ...(o.steps === undefined ? {} : { steps: parseIntegerOption(o.steps, 'steps', 1) }),
        ...(o.seed === undefined ? {} : { seed: parseIntegerOption(o.seed, 'seed', 0) }),
        ...(o.lr === undefined ? {} : { lr: parseNumberOption(o.lr, 'lr') }),
        ...(o['batch-size'] === undefined ? {} : { batchSize: parseIntegerOption(o['batch-size'], 'batch-size', 1) }),
        ...(o['block-size'] === undefined ? {} : { blockSize: parseIntegerOption(o['block-size'], 'block-size', 1) }),
        ...(o.out === undefined ? {} : { out: resolve(o.out) }),
        saveWeights: o['save-weights'] ?? false,
      },
      {
        out: (line) => {
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K'); // clear the bar before a log line
          process.stdout.write(`${line}\n`);
        },
        progress,
      },
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof SpecError) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
