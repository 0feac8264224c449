/**
 * The report's data: what `verify` (npm start) produces and the renderers (render.ts) turn into
 * claims.json, report.md and index.html. Kept here so that src/report imports nothing from src/cli.
 */
import type { BackendReport } from '../core/backend.js';
import type { CheckOutcome, ClaimOutcome } from '../claims/verdict.js';
import type { EvidenceSummary } from '../claims/reproduction-evidence.js';

export interface ClaimReport {
  id: string;
  topic: string;
  inventory: string;
  citation: { document: string; title: string; section: string }[];
  title: string;
  statement: string;
  kind: string;
  assumptions: string[];
  verdict: string;
  erratum?: { explanation: string; correction: string; worked: string[] };
  confirmed: boolean;
  /** A reproduction claim whose recorded run is absent or off-protocol: judged on no implementation. */
  notJudged: boolean;
  /** Reproduction claims: the recorded run (seed, steps, backend, date) or its absence. */
  evidence?: EvidenceSummary;
  /** What each check compares, from the record alone (shown even for a claim that was not judged). */
  checks: RecordedCheck[];
  outcomes: ClaimOutcome[];
}

export type RecordedCheck = Pick<CheckOutcome, 'label' | 'document' | 'criterion' | 'why' | 'note' | 'expected'> & { correct?: { expected: string; criterion: string } };

/** What a report covers: the whole registry, a subset (--only), or the whole registry with claims that could not run. */
export type ReportScope =
  | { kind: 'full' }
  | { kind: 'subset'; only: string; claims: number; registry: number }
  | { kind: 'degraded'; couldNotRun: { id: string; impl: string; error: string }[] };

export interface VerifyReport {
  generatedAt: string;
  /** Set by runVerify when it writes the report (src/cli/verify.ts). */
  scope?: ReportScope;
  backend: BackendReport;
  /** The largest error per op and backend that `npm run test:gpu` measured (report/gpu-op-errors.json), when present. */
  gpuOpErrors?: { generatedAt: string; gpuPropertyRuns: number; ops: Record<string, Record<string, { maxAbsError: number; atol: number; rtol: number }>> };
  /** Every tfjs backend the run judged the claims on (--backends), in column order; the first is `backend`. */
  backends?: BackendReport[];
  totals: { claims: number; confirmed: number; notJudged: number; holds: number; holdsUnderAssumption: number; errata: number; runs: number };
  claims: ClaimReport[];
}
