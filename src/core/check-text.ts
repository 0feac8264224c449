/**
 * Who said what, for every check of a golden record: the report keeps apart what a document
 * printed, the criterion a spec applies (and why), and values the project derived.
 *
 *   the document says   check.document (a quoted value or a short restatement), or, for a
 *                       `printed` expectation not marked derived, the printed values themselves;
 *                       null when the document printed nothing for this check (a derived check)
 *   criterion           the comparison the judge applies (src/claims/verdict.ts): rounds to the
 *                       printed value, = exactly, ≤ bound, …
 *   why                 check.why, else the reason every check of that kind shares; a bound
 *                       (≤, ≥) that is not a float-rounding tolerance must state its own reason
 */

// The schema of a check (golden/<topic>/<id>.json, validated by src/core/claims.ts): here, so that
// the text that describes a check and the loader that validates it share one definition.
type Nested<T> = T | Nested<T>[];

/** What a computed value must satisfy. Exactly one key. */
export type Expectation =
  /** Values as the document printed them: strings carry their decimals ("0.42"), numbers are exact. */
  | { printed: Nested<string | number> }
  /** Exactly these numbers (integers, or exact reals within the EXACT policy). */
  | { exact: Nested<number> }
  /** Closed forms in mathjs syntax ("1/(1+2e)"), checked to 50 digits on the high-precision oracle. */
  | { closedForm: Nested<string> }
  /** A tensor shape, compared exactly. */
  | { shape: number[] }
  /** A computed measure (an error, a deviation) no larger than this; `float32` overrides for tfjs. */
  | { atMost: number; float32?: number }
  /** A computed measure at least this large (e.g. how far a near-miss is from the truth). */
  | { atLeast: number }
  /** Deep equality with a JSON value (strings, booleans, small arrays). */
  | { equals: unknown };

export interface Check {
  label: string;
  /** What the check requires: the document's value, or the criterion that stands for the document's statement. */
  expect: Expectation;
  /** For an erratum: what actually holds. */
  correct?: Expectation;
  note?: string;
  /**
   * What the document printed or stated for this check, quoted or briefly restated ("X ∈ R^(4×512)",
   * "scores scaled by 1/d_k"). A `printed` expectation is the document's own value unless `derived`.
   * Without either, the check is the project's own (shown as "derived" in the report).
   */
  document?: string;
  /** A `printed`-precision value the document did not print (the project derived it). */
  derived?: boolean;
  /** Why the criterion is what it is. Required for a bound (≤, ≥) that is not a float-rounding tolerance. */
  why?: string;
}

function show(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(show).join(', ')}]`;
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(12)));
  return JSON.stringify(x);
}

/** The expected value or bound as text: "[0.58, 0.85]", "≤ 1e-12 (float32: ≤ 0.000001)", "≥ 6". */
export function expectationText(exp: Expectation): string {
  if ('printed' in exp) return show(exp.printed);
  if ('exact' in exp) return show(exp.exact);
  if ('closedForm' in exp) return show(exp.closedForm);
  if ('shape' in exp) return show(exp.shape);
  if ('atMost' in exp) return `≤ ${exp.atMost}${exp.float32 !== undefined ? ` (float32: ≤ ${exp.float32})` : ''}`;
  if ('atLeast' in exp) return `≥ ${exp.atLeast}`;
  return JSON.stringify(exp.equals);
}

/** The comparison the judge applies, as a reader would say it. */
export function criterionText(exp: Expectation): string {
  if ('printed' in exp) return `rounds to ${show(exp.printed)} at the printed precision`;
  if ('exact' in exp) return `= ${show(exp.exact)} exactly`;
  if ('closedForm' in exp) return `= ${show(exp.closedForm)}`;
  if ('shape' in exp) return `shape ${show(exp.shape)}`;
  if ('equals' in exp) return `= ${JSON.stringify(exp.equals)}`;
  return expectationText(exp);
}

/** A bound that only absorbs float rounding: ≤ 1e-12 (or exactly 0), with or without a float32 bound. */
function isRoundingBound(exp: Expectation): boolean {
  return 'atMost' in exp && exp.atMost >= 0 && exp.atMost <= 1e-12;
}

const KIND_REASON = {
  printed: 'a printed number holds when its exact value rounds to it at the printed precision (golden/README.md, rule 1)',
  exact: 'counts, shapes and exact values compare exactly (float slack only for rounding)',
  closedForm: 'the exact value: 50 digits on the BigNumber oracle, float tolerance elsewhere (src/core/tolerance.ts)',
  shape: 'shapes compare exactly',
  equals: 'the computed value must be exactly this',
} as const;

/** Why the criterion is what it is; null when a bound carries no reason (the schema refuses that). */
export function criterionReason(check: Check): string | null {
  if (check.why) return check.why;
  const exp = check.expect;
  for (const k of Object.keys(KIND_REASON) as Array<keyof typeof KIND_REASON>) if (k in exp) return KIND_REASON[k];
  if (isRoundingBound(exp)) {
    const f32 = 'atMost' in exp && exp.float32 !== undefined ? `; on tfjs (float32) the record's float32 bound ${exp.float32}` : '';
    return `${(exp as { atMost: number }).atMost === 0 ? 'exactly zero' : 'zero up to float64 rounding'}${f32} (src/core/tolerance.ts)`;
  }
  return check.note ?? null;
}

/** What the document printed or stated for this check; null for a check the project derived. */
export function documentSays(check: Check): string | null {
  if (check.document !== undefined) return check.document;
  if ('printed' in check.expect && !check.derived) return expectationText(check.expect);
  return null;
}
