/**
 * Scalar fields for the reference implementation.
 *
 * The reference layers are written once, generically over a `Field<S>`, and instantiated twice:
 * with IEEE float64 (`float64`) and with mathjs BigNumber at 64 significant digits (`bignumber`).
 * The BigNumber instance is the mathematical oracle: it evaluates the same formulas with rounding
 * error far below anything a float can see, so float64 can be checked against it (1e-12) and the
 * documents' exact forms such as 1/(1+2e) can be checked to 50 digits.
 */
import { MalformedInputError } from '../core/errors.js';
import { all, create, type BigNumber } from 'mathjs';

export interface Field<S> {
  readonly name: 'float64' | 'bignumber';
  from(x: number | string): S;
  toNumber(x: S): number;
  toString(x: S): string;
  add(a: S, b: S): S;
  sub(a: S, b: S): S;
  mul(a: S, b: S): S;
  div(a: S, b: S): S;
  neg(a: S): S;
  exp(a: S): S;
  sqrt(a: S): S;
  sin(a: S): S;
  cos(a: S): S;
  pow(a: S, b: S): S;
  log(a: S): S;
  tanh(a: S): S;
  /** The error function, erf(x) = 2/√π ∫₀ˣ e^{−t²} dt (GELU's Φ(x) = (1 + erf(x/√2))/2). */
  erf(a: S): S;
  lt(a: S, b: S): boolean;
  isFinite(a: S): boolean;
  isNaN(a: S): boolean;
  readonly zero: S;
  readonly one: S;
  readonly negInf: S;
}

/**
 * erf in float64: mathjs's implementation (W. J. Cody's rational Chebyshev approximations,
 * relative error ~1e-16 on the whole line).
 */
function erf64(x: number): number {
  return bigMathNumber.erf(x) as number;
}

/**
 * erf for BigNumbers by its Maclaurin series, erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1)),
 * summed at extra working precision: the terms grow to about e^{x²} before they shrink, so
 * x² / ln 10 guard digits are added (|x| ≤ 12 keeps this under 70 extra digits); beyond that
 * erf(x) = ±1 to more than 60 digits.
 */
function erfBig(x: BigNumber): BigNumber {
  const ax = x.abs().toNumber();
  if (ax > 12) return big(x.isNegative() ? -1 : 1);
  const guard = Math.ceil((ax * ax) / Math.LN10) + 10;
  type Ctor = { new (v: string | number): BigNumber; acos(x: number): BigNumber };
  const D = (bigMath as unknown as { BigNumber: { clone(c: { precision: number }): Ctor } }).BigNumber.clone({ precision: HIGH_PRECISION_DIGITS + guard });
  const xx = new D(x.toString());
  const x2 = xx.times(xx);
  let term = xx; // x^{2n+1} (−1)ⁿ / n!
  let sum = xx;
  const eps = new D(10).pow(-(HIGH_PRECISION_DIGITS + 5));
  for (let n = 1; n < 10000; n++) {
    term = term.times(x2).neg().div(n);
    const t = term.div(2 * n + 1);
    sum = sum.plus(t);
    if (t.abs().lt(eps)) break;
  }
  const result = sum.times(2).div(D.acos(-1).sqrt());
  return big(result.toSignificantDigits(HIGH_PRECISION_DIGITS).toString());
}

/** A plain-number mathjs instance, for erf in float64. */
const bigMathNumber = create(all);

export const float64: Field<number> = {
  name: 'float64',
  from: (x) => (typeof x === 'number' ? x : Number(x)),
  toNumber: (x) => x,
  toString: (x) => String(x),
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  exp: Math.exp,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  pow: Math.pow,
  log: Math.log,
  tanh: Math.tanh,
  erf: (x) => erf64(x),
  lt: (a, b) => a < b,
  isFinite: Number.isFinite,
  isNaN: Number.isNaN,
  zero: 0,
  one: 1,
  negInf: -Infinity,
};

/** Significant digits of the high-precision oracle (the issue asks for ≥ 50). */
export const HIGH_PRECISION_DIGITS = 64;

/** A mathjs instance whose numbers are BigNumbers at HIGH_PRECISION_DIGITS. */
export const bigMath = create(all, { number: 'BigNumber', precision: HIGH_PRECISION_DIGITS });

const big = (x: number | string): BigNumber => bigMath.bignumber(x) as BigNumber;

export const bignumber: Field<BigNumber> = {
  name: 'bignumber',
  // Numbers are converted through their shortest round-trip decimal string, so 0.1 stays the
  // float64 nearest to 0.1 written in decimal — which is what a float64 caller meant.
  from: (x) => big(typeof x === 'number' ? (Number.isFinite(x) ? x.toString() : x) : x),
  toNumber: (x) => x.toNumber(),
  toString: (x) => x.toString(),
  add: (a, b) => a.plus(b),
  sub: (a, b) => a.minus(b),
  mul: (a, b) => a.times(b),
  div: (a, b) => a.div(b),
  neg: (a) => a.neg(),
  exp: (a) => a.exp(),
  sqrt: (a) => a.sqrt(),
  sin: (a) => a.sin(),
  cos: (a) => a.cos(),
  pow: (a, b) => a.pow(b),
  log: (a) => a.ln(),
  tanh: (a) => a.tanh(),
  erf: (a) => erfBig(a),
  lt: (a, b) => a.lt(b),
  isFinite: (a) => a.isFinite(),
  isNaN: (a) => a.isNaN(),
  zero: big(0),
  one: big(1),
  negInf: big(-Infinity),
};

/** Evaluate a closed form such as "1/(1+2e)" at high precision (mathjs syntax, `e` and `pi` known). */
export function evaluateClosedForm(expr: string): BigNumber {
  const v = bigMath.evaluate(expr) as unknown;
  if (typeof v !== 'object' || v === null || !('isBigNumber' in v)) {
    throw new MalformedInputError(`closed form ${JSON.stringify(expr)} did not evaluate to a number`);
  }
  return v as unknown as BigNumber;
}

/**
 * A matrix of field values as plain numbers (float64 values as they are, BigNumbers rounded), for
 * the checks of src/core/numeric-conventions.ts that every implementation runs on the same numbers.
 */
export function asNumbers<S>(F: Field<S>, m: readonly (readonly S[])[]): number[][] {
  return F.name === 'float64' ? (m as unknown as number[][]) : m.map((row) => row.map((x) => F.toNumber(x)));
}
