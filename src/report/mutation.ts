/**
 * Mutation scores in the report: `npm run mutate -- --all` (scripts/mutate.ts, StrykerJS) writes
 * report/mutation.json — per op, how many of its planted bugs (mutants) the op's specs killed, the
 * survivors and the known-equivalent mutants with their reasons. When that file exists, the
 * report prints each op's score beside the claims that rest on the op; when it does not, nothing.
 *
 * Score = killed (timeouts included) / (killed + survived + not covered), known-equivalent mutants
 * and mutants that do not type-check left out.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../core/claims.js';
import { MalformedInputError } from '../core/errors.js';
import { readRegularText } from '../core/files.js';

export interface MutantSummary {
  file: string;
  line: number;
  mutator: string;
  original: string;
  replacement: string;
  status: string;
  /** For a known-equivalent mutant: why no spec can tell it from the original. */
  reason?: string;
}

export interface OpMutationResult {
  op: string;
  files: string[];
  specs: string[];
  /** Claim-id patterns (`*` = any run of characters) whose verdicts rest on the op. */
  claims: string[];
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Did not type-check (left out of the score). */
  compileErrors: number;
  runtimeErrors: number;
  equivalent: MutantSummary[];
  /** Survived or not covered, and not known to be equivalent. */
  survivors: MutantSummary[];
  /** Percent, one decimal; null when nothing was scored. */
  score: number | null;
  seconds: number;
  propertyRuns: number;
  date: string;
}

export interface MutationReport {
  tool: string;
  note: string;
  ops: Record<string, OpMutationResult>;
}

export const MUTATION_REPORT_PATH = join(PROJECT_ROOT, 'report', 'mutation.json');

/** Whether a claim id matches a pattern (`*` = any run of characters, everything else literal). */
export function claimMatches(pattern: string, id: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

/** report/mutation.json, or null when no mutation run has been recorded. */
export function readMutationReport(path = MUTATION_REPORT_PATH): MutationReport | null {
  if (!existsSync(path)) return null;
  const raw = JSON.parse(readRegularText(path, 'textBytes')) as MutationReport;
  if (typeof raw !== 'object' || raw === null || typeof raw.ops !== 'object' || raw.ops === null) throw new MalformedInputError(`${path}: "ops" must be an object of per-op results (written by npm run mutate)`);
  return raw;
}

export interface MutationRow {
  op: string;
  score: number | null;
  killed: number;
  scored: number;
  survivors: MutantSummary[];
  equivalent: number;
  propertyRuns: number;
  date: string;
  /** Claims of this report that rest on the op. */
  claims: string[];
}

/** One row per recorded op, with the report's claims that match its patterns. */
export function mutationRows(report: MutationReport, claimIds: readonly string[]): MutationRow[] {
  return Object.values(report.ops).map((r) => ({
    op: r.op,
    score: r.score,
    killed: r.killed + r.timeout,
    scored: r.killed + r.timeout + r.survived + r.noCoverage,
    survivors: r.survivors,
    equivalent: r.equivalent.length,
    propertyRuns: r.propertyRuns,
    date: r.date,
    claims: claimIds.filter((id) => r.claims.some((p) => claimMatches(p, id))),
  }));
}

/** The recorded ops whose claims include this claim: "softmax 100%" … for a claim's section. */
export function scoresOfClaim(rows: readonly MutationRow[], id: string): string[] {
  return rows.filter((r) => r.claims.includes(id)).map((r) => `${r.op} ${r.score === null ? 'n/a' : `${r.score}%`}`);
}
