/**
 * The recorded runs the reproduction claims are judged from (CLAIMS.md §6: "reproduction by
 * training the models on the same texts"). Training TinyGPT or TinyBERT for the tutorial's 1000
 * steps takes minutes, so `npm start` does not train: `npm run reproduce -- tinygpt|tinybert`
 * records a run in report/reproduce-<model>.json, and the claim reads it.
 *
 * The rule for a claim whose evidence cannot be read (golden/README.md, rule 6):
 *   file absent, or a run that does not follow the tutorial's protocol (another model, fewer
 *   steps, another batch or block size)  → EvidenceAbsentError: the claim is NOT JUDGED — neither
 *   confirmed nor refuted; `npm start` says so and names the command, and exits 0 unless
 *   --require-evidence is given
 *   file present but unreadable (not JSON, fields missing)  → an error: the claim fails
 *   a run that follows the protocol  → judged like any other claim: confirmed or not
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT, type GoldenClaim } from '../core/claims.js';
import { EvidenceAbsentError, MalformedInputError } from '../core/errors.js';
import type { TinyKind } from '../core/tiny-config.js';
import { TUTORIAL_SETTINGS, type ReproductionReport } from '../training/reproduce.js';
import { hostOnly } from '../core/host.js';

/** What the report shows about a reproduction claim's evidence. */
export interface EvidenceSummary {
  file: string;
  command: string;
  present: boolean;
  seed?: number;
  steps?: number;
  backend?: string;
  /** When the run was recorded (the record's recordedAt; the file's modification time for older records). */
  recordedAt?: string;
  trainingSeconds?: number;
}

function evidenceOf(claim: GoldenClaim): { file: string; command: string } {
  if (!claim.evidence) throw new MalformedInputError(`${claim.id} is not a reproduction claim (no evidence)`);
  return claim.evidence;
}

/**
 * Where a recorded run is read: the record's path under the project, or, when
 * TRANSFORMER_SPEC_EVIDENCE_DIR is set (the specs use it), the same file name in that folder.
 */
export function evidencePath(file: string): string {
  const dir = process.env.TRANSFORMER_SPEC_EVIDENCE_DIR;
  return dir ? join(dir, basename(file)) : join(PROJECT_ROOT, file);
}

/**
 * The recorded run of `model` that `claim` is judged from. Throws EvidenceAbsentError when there is
 * none that follows the tutorial's protocol, MalformedInputError when the file cannot be read.
 */
function recordedReproductionOnHost(claim: GoldenClaim, model: TinyKind): ReproductionReport {
  const { file, command } = evidenceOf(claim);
  const path = evidencePath(file);
  if (!existsSync(path)) throw new EvidenceAbsentError(file, command, `no recorded run: ${file} does not exist (a fresh checkout has none)`);
  let r: ReproductionReport;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as ReproductionReport;
  } catch (e) {
    throw new MalformedInputError(`${file} is not valid JSON (${(e as Error).message.split('\n')[0]}): delete it and run \`${command}\``);
  }
  if (typeof r !== 'object' || r === null || typeof r.metrics !== 'object' || typeof r.steps !== 'number') {
    throw new MalformedInputError(`${file} is not a reproduction record (no metrics or steps): delete it and run \`${command}\``);
  }
  const s = TUTORIAL_SETTINGS[model];
  const h = (r.hyperparameters ?? {}) as { batchSize?: number; blockSize?: number };
  const deviations = [
    r.model !== model && `model ${JSON.stringify(r.model)} instead of ${model}`,
    r.steps !== s.steps && `${r.steps} steps (the tutorial trains ${s.steps})`,
    h.batchSize !== s.batchSize && `batch size ${h.batchSize} (the tutorial's get_batch default is ${s.batchSize})`,
    h.blockSize !== s.blockSize && `block size ${h.blockSize} (${s.blockSize} for ${model})`,
  ].filter((x): x is string => typeof x === 'string');
  if (deviations.length) throw new EvidenceAbsentError(file, command, `the run recorded in ${file} does not follow the tutorial's protocol: ${deviations.join('; ')}`);
  return r;
}

/** Seed, steps, backend and date of the recorded run, or that it is absent. Never throws for an absent file. */
function evidenceSummaryOnHost(claim: GoldenClaim): EvidenceSummary {
  const { file, command } = evidenceOf(claim);
  const path = evidencePath(file);
  if (!existsSync(path)) return { file, command, present: false };
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<ReproductionReport>;
    return { file, command, present: true, seed: r.seed, steps: r.steps, backend: r.backend, recordedAt: r.recordedAt ?? statSync(path).mtime.toISOString(), trainingSeconds: r.trainingSeconds };
  } catch {
    return { file, command, present: true };
  }
}

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const recordedReproduction = hostOnly('recordedReproduction', recordedReproductionOnHost);

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const evidenceSummary = hostOnly('evidenceSummary', evidenceSummaryOnHost);
