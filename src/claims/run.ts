/**
 * Running claims: one claim on one implementation → a judged ClaimOutcome.
 */
import type { GoldenClaim, ImplName } from '../core/claims.js';
import { IMPLEMENTATIONS } from '../core/claims.js';
import { EvidenceAbsentError } from '../core/errors.js';
import { judgeClaim, type ClaimOutcome } from './verdict.js';
import type { ArrayImpl } from '../ops/implementations.js';
import { EVALUATORS } from './index.js';

export function implementationsOf(claim: GoldenClaim): ImplName[] {
  return claim.implementations ?? [...IMPLEMENTATIONS];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runClaim(claim: GoldenClaim, impl: ArrayImpl<any>): Promise<ClaimOutcome> {
  const evaluator = EVALUATORS[claim.id];
  const start = performance.now();
  if (!evaluator) {
    return { id: claim.id, impl: impl.name, backend: impl.backend, recorded: claim.verdict, derived: 'error', confirmed: false, checks: [], maxError: null, error: `no evaluator registered for ${claim.id} (src/claims/)`, millis: 0 };
  }
  try {
    const computed = await evaluator(impl, claim);
    return judgeClaim(claim, computed, impl.name, impl.backend, impl.F, performance.now() - start);
  } catch (e) {
    if (e instanceof EvidenceAbsentError && claim.kind === 'reproduction') {
      // only a reproduction claim may go unjudged, and only for want of its recorded run
      return { id: claim.id, impl: impl.name, backend: impl.backend, recorded: claim.verdict, derived: 'not-judged', confirmed: false, checks: [], maxError: null, notJudged: e.message, millis: performance.now() - start };
    }
    return { id: claim.id, impl: impl.name, backend: impl.backend, recorded: claim.verdict, derived: 'error', confirmed: false, checks: [], maxError: null, error: (e as Error).message, millis: performance.now() - start };
  }
}
