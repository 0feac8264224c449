/**
 * The judge: compares what an implementation computed for a claim with what its golden record
 * expects, check by check, and derives a verdict.
 *
 *   every check passes             → holds (or holds-under-assumption when the record states assumptions)
 *   a check fails but its
 *   "correct" value passes         → erratum (the document is wrong; the correct value holds)
 *   anything else                  → mismatch: the implementation agrees with neither — a bug to fix
 *   a reproduction claim whose
 *   recorded run is absent         → not-judged (the evaluator throws EvidenceAbsentError): neither
 *                                    confirmed nor refuted; see src/cli/verify.ts for how it counts
 *
 * A claim is confirmed when the derived verdict equals the verdict recorded in golden/.
 * Each check outcome also says who said what (src/core/check-text.ts): what the document printed
 * (null for a derived check), the criterion applied and why.
 */
import type { BigNumber } from 'mathjs';
import type { Check, Expectation, GoldenClaim, ImplName, Verdict } from '../core/claims.js';
import { criterionReason, criterionText, documentSays, expectationText } from '../core/check-text.js';
import { EXACT, PRINTED_SLACK, printedTolerance, isClose } from '../core/tolerance.js';

export { expectationText };
import { bigMath, evaluateClosedForm, type Field } from '../reference/field.js';

export type DerivedVerdict = Verdict | 'mismatch' | 'error' | 'not-judged';

export interface ExpectationResult {
  ok: boolean;
  /** Largest |computed − expected| over the numbers involved; null when not numeric. */
  maxError: number | null;
  /** Human-readable: the tolerance rule that applied. */
  rule: string;
  /** First failing element, if any. */
  detail: string;
}

export interface CheckOutcome {
  label: string;
  /** What the document printed or stated; null when the document printed nothing for it (derived). */
  document: string | null;
  /** The comparison applied ("rounds to 0.42 at the printed precision", "≤ 1e-12", "= 24 exactly"). */
  criterion: string;
  /** Why that criterion (src/core/check-text.ts criterionReason). */
  why: string;
  note?: string;
  /** The expected value or bound as text. */
  expected: string;
  computed: string;
  result: ExpectationResult;
  /** Present for errata: how the computed value fares against the correct value. */
  correct?: { expected: string; criterion: string; result: ExpectationResult };
}

export interface ClaimOutcome {
  id: string;
  impl: ImplName;
  backend: string;
  recorded: Verdict;
  derived: DerivedVerdict;
  confirmed: boolean;
  checks: CheckOutcome[];
  maxError: number | null;
  error?: string;
  /** derived 'not-judged': why (the recorded run that is missing, and the command that writes it). */
  notJudged?: string;
  /** A column that only reports (WebGL with 16-bit textures): it never decides whether the claim is confirmed. */
  reportOnly?: boolean;
  millis: number;
}

type Nested = unknown;

const isBig = (x: unknown): x is BigNumber => typeof x === 'object' && x !== null && 'isBigNumber' in x;

/** Converts implementation scalars (numbers, BigNumbers) to numbers, keeping structure. */
export function toPlain<S>(x: Nested, F: Field<S>): Nested {
  if (Array.isArray(x)) return x.map((v) => toPlain(v, F));
  if (isBig(x)) return F.name === 'bignumber' ? F.toNumber(x as S) : x.toNumber();
  return x;
}

export function display(x: Nested, digits = 6): string {
  if (Array.isArray(x)) return `[${x.map((v) => display(v, digits)).join(', ')}]`;
  if (isBig(x)) return x.toSignificantDigits(Math.max(digits, 20)).toString();
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : Number(x.toPrecision(digits)).toString();
  return JSON.stringify(x);
}

function walkPairs(computed: Nested, expected: Nested, path: number[], visit: (c: unknown, e: unknown, path: number[]) => string | null): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(computed)) return `at [${path}]: expected an array of ${expected.length}, got ${display(computed)}`;
    if (computed.length !== expected.length) return `at [${path}]: expected ${expected.length} entries, got ${computed.length} (shape differs)`;
    for (let i = 0; i < expected.length; i++) {
      const r = walkPairs(computed[i], expected[i], [...path, i], visit);
      if (r) return r;
    }
    return null;
  }
  if (Array.isArray(computed)) return `at [${path}]: expected a scalar ${display(expected)}, got an array ${display(computed)}`;
  return visit(computed, expected, path);
}

/** Evaluates one expectation against a computed value on one implementation. */
export function evaluateExpectation<S>(exp: Expectation, computedRaw: Nested, impl: ImplName, F: Field<S>): ExpectationResult {
  const computed = toPlain(computedRaw, F);
  let maxError: number | null = null;
  const track = (e: number) => {
    maxError = Math.max(maxError ?? 0, Number.isNaN(e) ? Infinity : e);
  };
  if ('printed' in exp) {
    const slack = PRINTED_SLACK[impl];
    const detail = walkPairs(computed, exp.printed, [], (c, e, path) => {
      if (typeof c !== 'number') return `at [${path}]: computed ${display(c)} is not a number`;
      const printed = typeof e === 'string' ? Number(e) : (e as number);
      track(Math.abs(c - printed));
      const t = typeof e === 'string' ? printedTolerance(e, slack) : EXACT[impl];
      return isClose(c, printed, t) ? null : `at [${path}]: computed ${display(c, 8)} does not round to the printed ${e} (|Δ| = ${display(Math.abs(c - printed), 3)} > ${display(t.atol + t.rtol * Math.abs(printed), 3)})`;
    });
    return { ok: !detail, maxError, rule: `printed precision (half a unit in the last printed decimal) + ${slack} float slack`, detail: detail ?? '' };
  }
  if ('exact' in exp) {
    const t = EXACT[impl];
    const detail = walkPairs(computed, exp.exact, [], (c, e, path) => {
      if (typeof c !== 'number') return `at [${path}]: computed ${display(c)} is not a number`;
      track(Math.abs(c - (e as number)));
      return isClose(c, e as number, t) ? null : `at [${path}]: computed ${display(c, 10)}, expected exactly ${e as number}`;
    });
    return { ok: !detail, maxError, rule: `exact (${t.reason})`, detail: detail ?? '' };
  }
  if ('closedForm' in exp) {
    if (impl === 'high-precision') {
      const bound = EXACT['high-precision'].atol;
      const detail = walkPairs(computedRaw, exp.closedForm, [], (c, e, path) => {
        const cb = isBig(c) ? c : (bigMath.bignumber(String(c)) as BigNumber);
        const diff = cb.minus(evaluateClosedForm(e as string)).abs();
        track(diff.toNumber());
        return diff.lte(bound) ? null : `at [${path}]: ${cb.toString()} differs from ${e as string} by ${diff.toExponential(3)}`;
      });
      return { ok: !detail, maxError, rule: `closed form to 50 digits (|Δ| ≤ ${bound})`, detail: detail ?? '' };
    }
    const t = EXACT[impl];
    const detail = walkPairs(computed, exp.closedForm, [], (c, e, path) => {
      const v = evaluateClosedForm(e as string).toNumber();
      if (typeof c !== 'number') return `at [${path}]: computed ${display(c)} is not a number`;
      track(Math.abs(c - v));
      return isClose(c, v, t) ? null : `at [${path}]: computed ${display(c, 10)}, closed form ${e as string} = ${display(v, 10)}`;
    });
    return { ok: !detail, maxError, rule: `closed form (${t.reason})`, detail: detail ?? '' };
  }
  if ('shape' in exp) {
    const ok = Array.isArray(computed) && computed.length === exp.shape.length && computed.every((d, i) => d === exp.shape[i]);
    return { ok, maxError: null, rule: 'shapes compare exactly', detail: ok ? '' : `shape is ${display(computed)}, expected ${display(exp.shape)}` };
  }
  if ('atMost' in exp) {
    const bound = impl === 'tfjs' && exp.float32 !== undefined ? exp.float32 : exp.atMost;
    const ok = typeof computed === 'number' && computed <= bound;
    return { ok, maxError: null, rule: `at most ${bound}${impl === 'tfjs' && exp.float32 !== undefined ? ' (float32 bound)' : ''}`, detail: ok ? '' : `computed ${display(computed)} exceeds ${bound}` };
  }
  if ('atLeast' in exp) {
    const ok = typeof computed === 'number' && computed >= exp.atLeast;
    return { ok, maxError: null, rule: `at least ${exp.atLeast}`, detail: ok ? '' : `computed ${display(computed)} is below ${exp.atLeast}` };
  }
  const ok = JSON.stringify(computed) === JSON.stringify(exp.equals);
  return { ok, maxError: null, rule: 'equal as JSON', detail: ok ? '' : `computed ${JSON.stringify(computed)}, expected ${JSON.stringify(exp.equals)}` };
}

/** The parts of a check outcome that come from the record alone: who said what, and the criterion. */
export function describeCheck(check: Check): Pick<CheckOutcome, 'label' | 'document' | 'criterion' | 'why' | 'note' | 'expected'> {
  return {
    label: check.label,
    document: documentSays(check),
    criterion: criterionText(check.expect),
    why: criterionReason(check) ?? '',
    ...(check.note ? { note: check.note } : {}),
    expected: expectationText(check.expect),
  };
}

export function judgeCheck<S>(check: Check, computed: Nested, impl: ImplName, F: Field<S>): CheckOutcome {
  const result = evaluateExpectation(check.expect, computed, impl, F);
  const out: CheckOutcome = { ...describeCheck(check), computed: display(toPlain(computed, F)), result };
  if (check.correct) out.correct = { expected: expectationText(check.correct), criterion: criterionText(check.correct), result: evaluateExpectation(check.correct, computed, impl, F) };
  return out;
}

export function deriveVerdict(claim: GoldenClaim, checks: CheckOutcome[]): DerivedVerdict {
  if (checks.every((c) => c.result.ok)) return claim.assumptions.length ? 'holds-under-assumption' : 'holds';
  const failing = checks.filter((c) => !c.result.ok);
  if (failing.every((c) => c.correct?.result.ok)) return 'erratum';
  return 'mismatch';
}

/** Judges all checks of a claim given the values an evaluator computed (keyed by check label). */
export function judgeClaim<S>(claim: GoldenClaim, computed: Record<string, unknown>, impl: ImplName, backend: string, F: Field<S>, millis = 0): ClaimOutcome {
  const checks = claim.checks.map((check) => {
    if (!(check.label in computed)) {
      return {
        ...describeCheck(check),
        computed: '(not computed)',
        result: { ok: false, maxError: null, rule: '', detail: `the evaluator did not compute "${check.label}"` },
      } satisfies CheckOutcome;
    }
    return judgeCheck(check, computed[check.label], impl, F);
  });
  const derived = deriveVerdict(claim, checks);
  const errors = checks.map((c) => c.result.maxError).filter((e): e is number => e !== null);
  return {
    id: claim.id,
    impl,
    backend,
    recorded: claim.verdict,
    derived,
    confirmed: derived === claim.verdict,
    checks,
    maxError: errors.length ? Math.max(...errors) : null,
    millis,
  };
}
