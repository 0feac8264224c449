/**
 * The report's data: what `verify` (npm start) produces and the renderers (render.ts) turn into
 * claims.json, report.md and index.html. Kept here so that src/report imports nothing from src/cli.
 */
import type { BackendReport } from '../core/backend.js';
import type { ClaimOutcome } from '../core/verdict.js';

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
  erratum?: { explanation: string };
  confirmed: boolean;
  outcomes: ClaimOutcome[];
}

export interface VerifyReport {
  generatedAt: string;
  backend: BackendReport;
  totals: { claims: number; confirmed: number; holds: number; holdsUnderAssumption: number; errata: number; runs: number };
  claims: ClaimReport[];
}
