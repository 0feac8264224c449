/**
 * A small hand-written argument parser for the command-line interface (no dependencies).
 *
 * Grammar:  <positional>… [--name value | --name=value | --flag]… [-- <positional>…]
 *
 * - A string option takes the next argument as its value even when that starts with a single
 *   "-" (so `--positions -3` reaches the range check and is reported as negative, not as unknown);
 *   a next argument starting with "--" means the value was forgotten.
 * - A boolean option takes no value; `--flag=x` is an error.
 * - A string option with `optionalValue` takes the next argument only when it is one of its
 *   choices; alone it means its default.
 * - Unknown options, repeated options and missing values are UsageErrors whose one-line message
 *   names the option; main.ts prints them as `error: <message>` and exits with code 2.
 */

/** A mistake in how the command was invoked (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A golden record a command needs is missing, malformed, or disagrees with the computation.
 * Not a usage mistake: main.ts exits with code 1 for it (2 is for bad input).
 */
export class ClaimRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimRecordError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for the value in messages: `--q JSON`. */
  valueName?: string;
  /**
   * A string option whose value may be left out: the next argument is taken only when it is one
   * of `choices` (or given as --name=value); otherwise the option stands alone and means `default`
   * (`--causal` alone is `--causal bottom-right`).
   */
  optionalValue?: { choices: readonly string[]; default: string };
}

export type OptionSpecs = Record<string, OptionSpec>;

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : string;

export interface ParsedArgs<S extends OptionSpecs> {
  positionals: string[];
  /** Options as given; absent options are undefined (booleans included). */
  options: { [K in keyof S]?: OptionValue<S[K]> };
}

/** Levenshtein distance, for "did you mean --causal?" on a misspelt option. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The closest known name within distance 2, or undefined. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const dist = editDistance(name, k);
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best;
}

/**
 * Parse `argv` against `specs`. `context` names the command in messages ("explain attention").
 */
export function parseArgs<S extends OptionSpecs>(argv: readonly string[], specs: S, context: string): ParsedArgs<S> {
  const positionals: string[] = [];
  const options: Record<string, string | boolean> = {};
  const known = Object.keys(specs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.length > 1 && arg.startsWith('-') && !/^-\d/.test(arg)) {
        throw new UsageError(`unknown option ${arg} for \`${context}\` (options are written --name)`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (!spec) {
      const hint = suggest(name, known);
      const list = known.length ? `; options: ${known.map((k) => `--${k}`).join(', ')}` : '';
      throw new UsageError(`unknown option --${name} for \`${context}\`${hint ? ` (did you mean --${hint}?)` : list}`);
    }
    if (name in options) throw new UsageError(`--${name} is given twice`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} is a switch and takes no value (got "${arg.slice(eq + 1)}")`);
      options[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else if (spec.optionalValue) {
      const next = argv[i + 1];
      if (next !== undefined && spec.optionalValue.choices.includes(next)) {
        value = next;
        i++;
      } else {
        value = spec.optionalValue.default;
      }
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new UsageError(`--${name} needs a value: --${name} ${spec.valueName ?? 'VALUE'}`);
      }
      i++;
    }
    options[name] = value;
  }
  return { positionals, options: options as ParsedArgs<S>['options'] };
}

/** The value of a required option, or a UsageError naming it. */
export function requireOption(value: string | undefined, name: string, valueName = 'VALUE'): string {
  if (value === undefined) throw new UsageError(`missing required option --${name} ${valueName}`);
  return value;
}

/** JSON.parse with an error that names the option: `--q is not valid JSON: ...`. */
export function parseJsonOption(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new UsageError(`--${name} is not valid JSON: ${why} (got ${JSON.stringify(text)})`);
  }
}

/** A decimal integer ≥ `min`, written as digits (so "", "4.5", "1e3" and "abc" are refused). */
export function parseIntegerOption(text: string, name: string, min = -Infinity): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} is too large: ${text}`);
  if (n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${n}`);
  return n;
}

/**
 * A finite number written in decimal ("100", "-2.5", "1e4", ".5"). JavaScript's Number() would
 * also read "0x10" as 16, "0b11" as 3 and "" as 0; those are refused.
 */
export function parseDecimal(text: string, what: string): number {
  const n = DECIMAL.test(text.trim()) ? Number(text) : NaN;
  if (Number.isFinite(n)) return n;
  const readByJs = text.trim() !== '' && Number.isFinite(Number(text)); // "0x10", "0b11", "0o7"
  throw new UsageError(`${what} must be a finite number${readByJs ? ' written in decimal' : ''}, got ${JSON.stringify(text)}`);
}
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A finite decimal number ("100", "1e4", "0.5"); hex, binary and empty values are refused. */
export function parseNumberOption(text: string, name: string): number {
  return parseDecimal(text, `--${name}`);
}

/** One of a fixed list of values. */
export function parseChoiceOption<T extends string>(text: string, name: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}
