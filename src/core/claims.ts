/**
 * The claim registry: golden records (golden/<topic>/<claim-id>.json) and their schema.
 *
 * A claim is one checkable statement of a source document. Its record holds the citation, the
 * inputs, the values exactly as printed (strings keep the printed precision: "0.42" has two
 * decimals), the assumptions the document states, the verdict, and for an erratum the correct
 * value and why. The same id names the record, the spec titles ("[id] ...") and the report row.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { criterionReason, documentSays } from './check-text.js';
import { DOCUMENT_IDS, type DocumentId } from './documents.js';
import { MalformedInputError, SpecError } from './errors.js';

export type Verdict = 'holds' | 'holds-under-assumption' | 'erratum';
export const VERDICTS: readonly Verdict[] = ['holds', 'holds-under-assumption', 'erratum'];
export type ImplName = 'reference' | 'high-precision' | 'tfjs';
export const IMPLEMENTATIONS: readonly ImplName[] = ['reference', 'high-precision', 'tfjs'];

export type { Check, Expectation } from './check-text.js';
import type { Check } from './check-text.js';

export interface Citation {
  document: DocumentId;
  section: string;
}

export interface GoldenClaim {
  id: string;
  topic: string;
  /** Primary citation. */
  document: DocumentId;
  section: string;
  /** Further places that make the same claim. */
  alsoIn?: Citation[];
  /** The CLAIMS.md section this encodes (e.g. "§2"), for coverage. */
  inventory: string;
  /** Short test title: what the spec proves. */
  title: string;
  /** The claim restated in the project's words. */
  statement: string;
  kind: 'worked-example' | 'shape' | 'property' | 'statement' | 'reproduction';
  inputs?: Record<string, unknown>;
  assumptions: string[];
  checks: Check[];
  verdict: Verdict;
  /** An erratum: why, what holds in one line, and a short calculation a student can follow by hand (one step per line). */
  erratum?: { explanation: string; correction: string; worked: string[] };
  /**
   * A reproduction claim is judged from a recorded run, not computed on the spot: the file (relative
   * to the project root) and the command that writes it. Absent file → the claim is not judged.
   */
  evidence?: { file: string; command: string };
  /** Implementations the claim runs on (default: all three). */
  implementations?: ImplName[];
  /** The file it was read from (set by the loader). */
  file?: string;
}

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GOLDEN_DIR = join(PROJECT_ROOT, 'golden');

const ID_PATTERN = /^(tuning|interview|notes|course|scratch)\.[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const EXPECTATION_KEYS = ['printed', 'exact', 'closedForm', 'shape', 'atMost', 'atLeast', 'equals'];

function fail(file: string, msg: string): never {
  throw new MalformedInputError(`${file}: ${msg}`);
}

function validateExpectation(file: string, where: string, e: unknown): void {
  if (typeof e !== 'object' || e === null) fail(file, `${where} must be an object with one of ${EXPECTATION_KEYS.join(', ')}`);
  const keys = Object.keys(e).filter((k) => k !== 'float32');
  if (keys.length !== 1 || !EXPECTATION_KEYS.includes(keys[0])) fail(file, `${where} must have exactly one of ${EXPECTATION_KEYS.join(', ')}, got {${Object.keys(e).join(', ')}}`);
}

/** Schema check with errors that name the file and the field. */
export function validateClaim(raw: unknown, file: string): GoldenClaim {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, 'a golden record must be a JSON object');
  const c = raw as Record<string, unknown>;
  for (const f of ['id', 'topic', 'document', 'section', 'inventory', 'title', 'statement', 'kind', 'verdict']) {
    if (typeof c[f] !== 'string' || (c[f] as string).length === 0) fail(file, `field "${f}" must be a non-empty string`);
  }
  const id = c.id as string;
  if (!ID_PATTERN.test(id)) fail(file, `id "${id}" must look like <document>.<topic>.<name> in lower-case kebab parts`);
  if (!id.startsWith(`${c.document as string}.`)) fail(file, `id "${id}" must start with its document "${c.document as string}."`);
  if (!DOCUMENT_IDS.includes(c.document as DocumentId)) fail(file, `document "${c.document as string}" is not one of ${DOCUMENT_IDS.join(', ')}`);
  if (!VERDICTS.includes(c.verdict as Verdict)) fail(file, `verdict "${c.verdict as string}" is not one of ${VERDICTS.join(', ')}`);
  if (!['worked-example', 'shape', 'property', 'statement', 'reproduction'].includes(c.kind as string)) fail(file, `kind "${c.kind as string}" is unknown`);
  const ev = c.evidence as { file?: unknown; command?: unknown } | undefined;
  if (c.kind === 'reproduction' && (typeof ev?.file !== 'string' || typeof ev?.command !== 'string')) fail(file, 'a reproduction claim needs evidence: { "file": the recorded results, "command": what writes them }');
  if (c.kind !== 'reproduction' && ev !== undefined) fail(file, 'evidence belongs to reproduction claims only');
  if (!Array.isArray(c.assumptions) || c.assumptions.some((a) => typeof a !== 'string')) fail(file, 'assumptions must be a list of strings');
  if (c.verdict === 'holds-under-assumption' && c.assumptions.length === 0) fail(file, 'verdict holds-under-assumption needs at least one stated assumption');
  if (c.verdict === 'holds' && c.assumptions.length > 0) fail(file, 'verdict holds must not depend on assumptions (use holds-under-assumption)');
  if (!Array.isArray(c.checks) || c.checks.length === 0) fail(file, 'checks must be a non-empty list');
  const labels = new Set<string>();
  c.checks.forEach((ch: unknown, i: number) => {
    const k = ch as Record<string, unknown>;
    if (typeof k?.label !== 'string' || !k.label) fail(file, `checks[${i}].label must be a non-empty string`);
    if (labels.has(k.label as string)) fail(file, `checks[${i}].label "${k.label as string}" is repeated`);
    labels.add(k.label as string);
    validateExpectation(file, `checks[${i}].expect`, k.expect);
    if (k.correct !== undefined) validateExpectation(file, `checks[${i}].correct`, k.correct);
    for (const f of ['document', 'why', 'note'] as const) if (k[f] !== undefined && (typeof k[f] !== 'string' || !k[f])) fail(file, `checks[${i}].${f} must be a non-empty string`);
    if (k.derived !== undefined && typeof k.derived !== 'boolean') fail(file, `checks[${i}].derived must be true or false`);
    if (k.derived && k.document !== undefined) fail(file, `checks[${i}] "${k.label as string}" cannot be both derived and what the document says`);
    if (criterionReason(k as unknown as Check) === null) fail(file, `checks[${i}] "${k.label as string}": the bound ${JSON.stringify(k.expect)} needs its reason ("why")`);
    if (k.correct !== undefined && documentSays(k as unknown as Check) === null) fail(file, `checks[${i}] "${k.label as string}" is refuted by the erratum, so it must say what the document printed or stated ("document")`);
  });
  const hasCorrect = (c.checks as Check[]).some((ch) => ch.correct !== undefined);
  if (c.verdict === 'erratum') {
    const e = c.erratum as { explanation?: unknown; correction?: unknown; worked?: unknown } | undefined;
    if (typeof e?.explanation !== 'string' || e.explanation.length < 40) fail(file, 'an erratum needs erratum.explanation (a paragraph saying why)');
    if (typeof e.correction !== 'string' || !e.correction) fail(file, 'an erratum needs erratum.correction: what holds, in one line');
    if (!Array.isArray(e.worked) || e.worked.length === 0 || e.worked.some((l) => typeof l !== 'string' || !l)) fail(file, 'an erratum needs erratum.worked: the calculation a student can follow by hand, one step per line');
    if (!hasCorrect) fail(file, 'an erratum needs at least one check with a "correct" value');
  } else if (hasCorrect) {
    fail(file, `"correct" values belong to errata only, but the verdict is ${c.verdict as string}`);
  }
  if (c.implementations !== undefined) {
    if (!Array.isArray(c.implementations) || c.implementations.some((x) => !IMPLEMENTATIONS.includes(x as ImplName))) {
      fail(file, `implementations must be a list drawn from ${IMPLEMENTATIONS.join(', ')}`);
    }
  }
  return { ...(c as unknown as GoldenClaim), file };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
  });
}

let cache: GoldenClaim[] | null = null;

/** All golden claims, sorted by id; file name must be `<id>.json` under `golden/<topic>/`. */
export function loadClaims(dir = GOLDEN_DIR): GoldenClaim[] {
  if (dir === GOLDEN_DIR && cache) return cache;
  // Claims live one directory down (golden/<topic>/<id>.json); files at the top (coverage.json) are not claims.
  const claims = walk(dir).filter((file) => relative(dir, file).includes('/')).map((file) => {
    const rel = relative(PROJECT_ROOT, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      fail(rel, `not valid JSON (${(e as Error).message})`);
    }
    const claim = validateClaim(raw, rel);
    const expected = join('golden', claim.topic, `${claim.id}.json`);
    if (rel !== expected) fail(rel, `a claim with id "${claim.id}" and topic "${claim.topic}" must live at ${expected}`);
    return claim;
  });
  const seen = new Set<string>();
  for (const c of claims) {
    if (seen.has(c.id)) fail(c.file!, `duplicate claim id ${c.id}`);
    seen.add(c.id);
  }
  claims.sort((a, b) => a.id.localeCompare(b.id));
  if (dir === GOLDEN_DIR) cache = claims;
  return claims;
}

export function getClaim(id: string): GoldenClaim {
  const c = loadClaims().find((x) => x.id === id);
  if (!c) throw new SpecError('UNKNOWN_CLAIM', `no golden claim with id "${id}" (see golden/ or \`transformer-spec explain --list\`)`);
  return c;
}

export function claimsByTopic(topic: string): GoldenClaim[] {
  return loadClaims().filter((c) => c.topic === topic);
}
