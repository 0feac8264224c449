/**
 * The claim registry is closed: every golden claim has an evaluator and runs on at least one
 * implementation; every evaluator belongs to a golden claim; every "[id]" in a spec title names a
 * known claim; every property claim has a property spec; and malformed golden records are refused
 * with an error that names the file and the field.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVALUATORS } from '../../src/claims/index.js';
import { loadClaims, PROJECT_ROOT, validateClaim, getClaim } from '../../src/core/claims.js';
import { DOCUMENTS } from '../../src/core/documents.js';
import { matchPattern, readCoverageFile } from '../../src/report/coverage.js';
import { MalformedInputError, SpecError } from '../../src/core/errors.js';

const specFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? specFiles(p) : p.endsWith('.spec.ts') ? [p] : [];
  });

/** Claim ids cited at the start of test titles: it, test or describe whose title opens with a bracketed id. */
function citedIds(): Map<string, string[]> {
  const cited = new Map<string, string[]>();
  for (const file of specFiles(join(PROJECT_ROOT, 'spec'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:it|test|describe)(?:\.each\([^)]*\))?\(\s*[`'"]\[([a-z0-9.-]+)\]/g)) {
      cited.set(m[1], [...(cited.get(m[1]) ?? []), file.slice(PROJECT_ROOT.length + 1)]);
    }
  }
  return cited;
}

describe('claim registry', () => {
  const claims = loadClaims();
  const ids = new Set(claims.map((c) => c.id));

  it('every golden claim has an evaluator', () => {
    expect(claims.filter((c) => !EVALUATORS[c.id]).map((c) => c.id)).toEqual([]);
  });

  it('every evaluator belongs to a golden claim', () => {
    expect(Object.keys(EVALUATORS).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('every claim id cited in a spec title is a known claim', () => {
    const unknown = [...citedIds().entries()].filter(([id]) => !ids.has(id)).map(([id, files]) => `${id} (in ${files.join(', ')})`);
    expect(unknown).toEqual([]);
  });

  it('every property claim has a property spec citing it', () => {
    const cited = citedIds();
    const missing = claims.filter((c) => c.kind === 'property').filter((c) => !(cited.get(c.id) ?? []).some((f) => f.endsWith('.property.spec.ts')));
    expect(missing.map((c) => c.id)).toEqual([]);
  });

  it('every claim cites a known document and a CLAIMS.md section', () => {
    for (const c of claims) {
      expect(Object.keys(DOCUMENTS)).toContain(c.document);
      expect(c.inventory).toMatch(/^§[1-9]$/);
    }
  });

  it('covers CLAIMS.md §1–§5 and keeps the errata found so far', () => {
    const sections = new Set(claims.map((c) => c.inventory));
    for (const s of ['§1', '§2', '§3', '§4', '§5']) expect(sections.has(s), `no claim encodes CLAIMS.md ${s}`).toBe(true);
    expect(claims.filter((c) => c.verdict === 'erratum').length).toBeGreaterThanOrEqual(11);
  });

  it('golden/coverage.json maps every claim to a CLAIMS.md item, and every pattern to a claim', () => {
    const ids = claims.map((c) => c.id);
    const items = readCoverageFile().items;
    const covered = new Set(items.flatMap((i) => i.claims.flatMap((p) => matchPattern(p, ids))));
    expect(ids.filter((id) => !covered.has(id)), 'claims missing from golden/coverage.json').toEqual([]);
    const dead = items.flatMap((i) => i.claims.filter((p) => matchPattern(p, ids).length === 0));
    expect(dead, 'patterns in golden/coverage.json that match no claim').toEqual([]);
    for (const i of items) expect(ids.filter((id) => i.claims.some((p) => matchPattern(p, [id]).length)).every((id) => claims.find((c) => c.id === id)!.inventory === i.section), `claims under ${i.startsWith} belong to ${i.section}`).toBe(true);
  });

  it('an unknown claim id is a named error', () => {
    expect(() => getClaim('course.attention.no-such-claim')).toThrow(SpecError);
    expect(() => getClaim('course.attention.no-such-claim')).toThrow(/no golden claim with id "course.attention.no-such-claim"/);
  });
});

describe('golden record schema', () => {
  const good = () => JSON.parse(readFileSync(join(PROJECT_ROOT, 'golden/attention/course.attention.i-love-cats.weights.json'), 'utf8'));

  it('accepts a real record', () => {
    expect(validateClaim(good(), 'x.json').id).toBe('course.attention.i-love-cats.weights');
  });

  const cases: Array<[string, (r: Record<string, unknown>) => void, RegExp]> = [
    ['missing citation section', (r) => delete r.section, /field "section"/],
    ['unknown verdict', (r) => (r.verdict = 'probably'), /verdict "probably"/],
    ['erratum without explanation', (r) => (r.verdict = 'erratum'), /erratum\.explanation/],
    ['assumption verdict without assumptions', (r) => (r.assumptions = []), /needs at least one stated assumption/],
    ['a check with two expectations', (r) => ((r.checks as object[])[0] = { label: 'w', expect: { printed: '1', exact: 1 } }), /exactly one of/],
    ['id of another document', (r) => (r.id = 'scratch.attention.x'), /must start with its document/],
    ['a bound without its reason', (r) => ((r.checks as object[])[0] = { label: 'w', expect: { atMost: 0.3 } }), /needs its reason \("why"\)/],
    ['a check both derived and attributed to the document', (r) => ((r.checks as object[])[0] = { label: 'w', document: '0.42', derived: true, expect: { printed: '0.42' } }), /cannot be both derived and what the document says/],
    ['an erratum without a worked calculation', (r) => ((r.verdict = 'erratum'), (r.erratum = { explanation: 'x'.repeat(50), correction: '0.40' }), ((r.checks as object[])[0] = { label: 'w', expect: { printed: '0.42' }, correct: { printed: '0.40' } })), /erratum\.worked/],
    ['a refuted check that does not say what the document printed', (r) => ((r.verdict = 'erratum'), (r.erratum = { explanation: 'x'.repeat(50), correction: 'y', worked: ['a'] }), ((r.checks as object[])[0] = { label: 'w', expect: { atMost: 0 }, correct: { atLeast: 1 }, why: 'because' })), /must say what the document printed or stated/],
    ['a reproduction claim without evidence', (r) => (r.kind = 'reproduction'), /needs evidence/],
  ];
  for (const [name, mutate, message] of cases) {
    it(`refuses ${name} with a named error`, () => {
      const r = good();
      mutate(r);
      expect(() => validateClaim(r, 'golden/attention/bad.json')).toThrow(MalformedInputError);
      expect(() => validateClaim(r, 'golden/attention/bad.json')).toThrow(message);
    });
  }

  it('refuses malformed JSON and misplaced files, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    mkdirSync(join(dir, 'attention'));
    writeFileSync(join(dir, 'attention', 'broken.json'), '{ "id": ');
    expect(() => loadClaims(dir)).toThrow(/broken\.json: not valid JSON/);
  });
});
