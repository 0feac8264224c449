/**
 * Printing helpers for the command-line interface: numbers, labelled matrices with their shapes,
 * aligned tables, and JSON with a stated convention for infinities.
 *
 * Conventions (stated in `transformer-spec --help`):
 * - text output writes −∞ for a masked score and rounds to `digits` decimals (integers stay bare
 *   when a whole matrix is integral, so Q Kᵀ of 0/1 inputs reads [1 0 1]);
 * - JSON output writes the non-finite numbers as the strings "-Infinity", "Infinity" and "NaN"
 *   (plain JSON has no such numbers and JSON.stringify would silently turn them into null).
 */
import { MalformedInputError } from '../core/errors.js';

/** Where a command writes; main.ts binds it to stdout/stderr, the specs to buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

type Nested = number | Nested[];

/** One number for humans: −∞/∞/NaN spelled out, −0 shown as 0, `digits` decimals. */
export function formatNumber(x: number, digits = 4, integral = false): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === -Infinity) return '−∞';
  if (x === Infinity) return '∞';
  const s = integral && Number.isInteger(x) ? String(x) : x.toFixed(digits);
  // toFixed(−0.00001) is "-0.0000": a sign on a zero is noise to a reader.
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Whether every finite entry is an integer (then the matrix is printed without decimals). */
function isIntegral(m: number[][]): boolean {
  return m.every((row) => row.every((x) => !Number.isFinite(x) || Number.isInteger(x)));
}

export interface MatrixFormat {
  digits?: number;
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Leading spaces on every line. */
  indent?: number;
}

/**
 * A matrix as aligned rows in brackets, with optional row and column labels:
 *
 *           k0      k1
 *   q0  [ 0.5000  0.5000 ]
 */
export function formatMatrix(m: readonly (readonly number[])[], opts: MatrixFormat = {}): string {
  const digits = opts.digits ?? 4;
  const integral = isIntegral(m as number[][]);
  return formatCells(
    m.map((row) => row.map((x) => formatNumber(x, digits, integral))),
    opts,
  );
}

/** The same layout for cells that are already text (a document's printed table). */
export function formatCells(cells: readonly (readonly string[])[], opts: MatrixFormat = {}): string {
  const cols = cells[0]?.length ?? 0;
  const width = Array.from({ length: cols }, (_, j) =>
    Math.max(...cells.map((r) => (r[j] ?? '').length), opts.colLabels?.[j]?.length ?? 0),
  );
  const labelWidth = opts.rowLabels ? Math.max(...opts.rowLabels.map((l) => l.length)) : 0;
  const pad = ' '.repeat(opts.indent ?? 2);
  const lines: string[] = [];
  if (opts.colLabels) {
    const head = opts.colLabels.map((l, j) => l.padStart(width[j])).join('  ');
    lines.push(`${pad}${labelWidth ? ' '.repeat(labelWidth + 1) : ''}  ${head}`.trimEnd());
  }
  cells.forEach((row, i) => {
    const label = opts.rowLabels ? `${(opts.rowLabels[i] ?? '').padEnd(labelWidth)} ` : '';
    lines.push(`${pad}${label}[ ${row.map((c, j) => c.padStart(width[j])).join('  ')} ]`);
  });
  return lines.join('\n');
}

/**
 * Word-wraps `text` to `width` columns. Every line after the first starts with `indent`; the first
 * is assumed to follow a prefix of the same length (e.g. "why       "), so all lines fit `width`.
 */
export function wrap(text: string, width = 100, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  let used = indent.length;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && used + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
      used = indent.length + word.length;
    } else {
      used += (line ? 1 : 0) + word.length;
      line = line ? `${line} ${word}` : line + word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** "name  (3 × 2)" then the matrix below it. */
export function formatLabelledMatrix(title: string, m: readonly (readonly number[])[], opts: MatrixFormat = {}): string {
  return `${title}  ${shapeLabel(m)}\n${formatMatrix(m, opts)}`;
}

export function shapeLabel(m: readonly (readonly number[])[]): string {
  return `(${m.length} × ${m[0]?.length ?? 0})`;
}

/** A row vector inline: [0.1554, 0.4223, 0.4223]. */
export function formatVector(v: readonly number[], digits = 4): string {
  const integral = v.every((x) => !Number.isFinite(x) || Number.isInteger(x));
  return `[${v.map((x) => formatNumber(x, digits, integral)).join(', ')}]`;
}

/** Any nested value inline: numbers formatted, strings quoted only when they are not numerals. */
export function formatNested(v: unknown, digits = 4): string {
  if (Array.isArray(v)) return `[${v.map((x) => formatNested(x, digits)).join(', ')}]`;
  if (typeof v === 'number') return formatNumber(v, digits, Number.isInteger(v));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** An aligned text table with a header rule. Cells are left-aligned unless `alignRight[j]`. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], alignRight: readonly boolean[] = []): string {
  const width = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, j) => (alignRight[j] ? c.padStart(width[j]) : c.padEnd(width[j]))).join('  ').trimEnd();
  return [line(headers), width.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** How toJson marks a bigint on its way through JSON.stringify, and finds it in the text. */
const BIGINT_MARK = '\u0000bigint\u0000';
const BIGINT_WRITTEN = /"\\u0000bigint\\u0000(-?\d+)\\u0000bigint\\u0000"/g;

/** JSON with −∞/∞/NaN written as strings (see the module header) and bigints as exact digits, one object per call. */
export function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${BIGINT_MARK}${v}${BIGINT_MARK}`;
      if (typeof v !== 'number' || Number.isFinite(v)) return v;
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    },
    indent,
  );
  // A bigint is written as its exact decimal digits (a JSON number of any size): Python's json and
  // any reader that keeps integers exact get the count to the last digit, beyond 2^53 too.
  return text.replace(BIGINT_WRITTEN, '$1');
}


/** Converts a parsed JSON value back: "-Infinity" → −∞ (for consumers and the specs). */
export function fromJsonNumber(v: unknown): Nested {
  if (Array.isArray(v)) return v.map((x) => fromJsonNumber(x));
  if (typeof v === 'string' || typeof v === 'number') return Number(v);
  throw new MalformedInputError(`expected a number or one of "-Infinity", "Infinity", "NaN", got ${JSON.stringify(v)}`);
}
