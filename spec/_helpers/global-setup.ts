/**
 * Once per `vitest run`: prints which backend the tfjs specs use and, at the end, how many
 * property cases ran in total (the suite promises ≥ 1,000 by default) with the seed to replay them.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propertyConfig } from './property-config.js';

let PROPERTY_LOG_DIR = '';

export function setup(): void {
  PROPERTY_LOG_DIR = mkdtempSync(join(tmpdir(), 'transformer-spec-properties-'));
  process.env.TRANSFORMER_SPEC_PROPERTY_LOG = PROPERTY_LOG_DIR; // inherited by the test workers
  const { seed, numRuns } = propertyConfig();
  const gpu = process.env.GPU_BACKENDS;
  const where = gpu ? `; the tfjs specs in headless Chromium on ${gpu} (spec/gpu; GPU_PROPERTY_RUNS ${process.env.GPU_PROPERTY_RUNS ?? 5} per registry op)` : '';
  console.log(`[transformer-spec] TFJS_BACKEND=${process.env.TFJS_BACKEND ?? '(auto)'}${where}; fast-check seed ${seed}, PROPERTY_RUNS ${numRuns}`);
}

export function teardown(): void {
  let total = 0;
  let properties = 0;
  try {
    for (const f of readdirSync(PROPERTY_LOG_DIR)) {
      for (const line of readFileSync(`${PROPERTY_LOG_DIR}/${f}`, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        properties += 1;
        total += Number(line.split('\t')[1]);
      }
    }
  } catch {
    /* no property ran */
  }
  const { seed } = propertyConfig();
  console.log(`[transformer-spec] property cases run: ${total} across ${properties} properties (seed ${seed}; replay with PROPERTY_SEED=${seed})`);
}
