/**
 * Mutation scores in the report (src/report/mutation.ts): when report/mutation.json exists, the
 * HTML and Markdown reports show each op's score beside the claims that rest on it and list the
 * surviving mutants; without it they show nothing about mutation. The file is read as a regular
 * file within the text size limit and refused by name when malformed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyClaims } from '../../src/cli/verify.js';
import { MalformedInputError } from '../../src/core/errors.js';
import { buildCoverage } from '../../src/report/coverage.js';
import { claimMatches, mutationRows, readMutationReport, type MutationReport, type OpMutationResult } from '../../src/report/mutation.js';
import { renderHtml, renderMarkdown } from '../../src/report/render.js';

const CLAIM = 'course.attention.softmax-rows-are-distributions';
const OTHER = 'interview.shapes.concat-4x8';

const op = (over: Partial<OpMutationResult>): OpMutationResult => ({
  op: 'softmax',
  files: ['src/reference/softmax.ts'],
  specs: ['spec/attention/attention.conventions.spec.ts'],
  claims: ['*.attention.softmax-rows-are-distributions'],
  killed: 24,
  timeout: 1,
  survived: 1,
  noCoverage: 0,
  compileErrors: 11,
  runtimeErrors: 0,
  equivalent: [{ file: 'src/reference/softmax.ts', line: 29, mutator: 'EqualityOperator', original: 'F.lt(m, x)', replacement: 'F.le(m, x)', status: 'Survived', reason: 'ties pick an equal maximum' }],
  survivors: [{ file: 'src/reference/softmax.ts', line: 52, mutator: 'ConditionalExpression', original: 'axis === 0', replacement: 'true', status: 'Survived' }],
  score: 96.2,
  seconds: 300,
  propertyRuns: 25,
  date: '2026-12-04T15:00:00.000Z',
  ...over,
});
const MUTATION: MutationReport = { tool: 'StrykerJS (npm run mutate)', note: 'Per op.', ops: { softmax: op({}) } };

describe('mutation scores in the report', async () => {
  const report = await verifyClaims((c) => c.id === CLAIM || c.id === OTHER);
  const coverage = buildCoverage(report.claims.map((c) => c.id), () => ['reference']);

  it('claim patterns: `*` matches any run of characters, the rest literally (a dot is a dot)', () => {
    expect(claimMatches('*.attention.softmax-*', CLAIM)).toBe(true);
    expect(claimMatches('course.pe.rope-*', 'course.pe.rope-relative-offset')).toBe(true);
    expect(claimMatches('course.pe.rope-*', 'course.pexrope-relative')).toBe(false);
    expect(claimMatches(CLAIM, `${CLAIM}.extra`)).toBe(false);
  });

  it('rows count timeouts as killed and name the matching claims only', () => {
    const [row] = mutationRows(MUTATION, [CLAIM, OTHER]);
    expect(row).toMatchObject({ op: 'softmax', score: 96.2, killed: 25, scored: 26, equivalent: 1, claims: [CLAIM] });
  });

  it('HTML: a "Mutation scores" section with the op, its score, specs and survivors, and the score beside the claim', () => {
    const html = renderHtml(report, [], coverage, MUTATION);
    const section = html.slice(html.indexOf('<section id="mutation">'));
    expect(section).toContain('<td>softmax</td><td>96.2%</td><td>25 / 26</td><td>1</td>');
    expect(section).toContain('<code>src/reference/softmax.ts:52</code> ConditionalExpression: <code>axis === 0</code> → <code>true</code>');
    const claim = html.slice(html.indexOf(`<section class="claim" id="${CLAIM}">`));
    expect(claim.slice(0, claim.indexOf('</section>'))).toContain('mutation score of the ops behind it: <a href="#mutation">softmax 96.2%</a>');
    const other = html.slice(html.indexOf(`<section class="claim" id="${OTHER}">`));
    expect(other.slice(0, other.indexOf('</section>'))).not.toContain('mutation score');
  });

  it('Markdown: the same table and the score under the claim', () => {
    const md = renderMarkdown(report, [], coverage, MUTATION);
    expect(md).toContain('## Mutation scores');
    expect(md).toContain('| softmax | 96.2% | 25 / 26 | 1 | `spec/attention/attention.conventions.spec.ts` |');
    expect(md).toContain('Mutation score of the ops behind it: softmax 96.2%.');
  });

  it('without report/mutation.json: no mutation section, no scores beside claims', () => {
    for (const text of [renderHtml(report, [], coverage, null), renderMarkdown(report, [], coverage)]) {
      expect(text).not.toMatch(/mutation score/i);
    }
  });

  it('reading: an absent file is null, a recorded one round-trips, a malformed one is a MalformedInputError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-mutation-'));
    expect(readMutationReport(join(dir, 'absent.json'))).toBeNull();
    writeFileSync(join(dir, 'mutation.json'), JSON.stringify(MUTATION));
    expect(readMutationReport(join(dir, 'mutation.json'))).toEqual(MUTATION);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ tool: 'x' }));
    expect(() => readMutationReport(join(dir, 'bad.json'))).toThrow(MalformedInputError);
  });
});

describe('properties behind the claims (src/report/properties.ts)', async () => {
  const { existsSync } = await import('node:fs');
  const { loadClaims } = await import('../../src/core/claims.js');
  const { PROPERTIES_BEHIND_CLAIMS } = await import('../../src/report/properties.js');
  const ids = new Set(loadClaims().map((c) => c.id));

  it('every spec named exists and every claim named is a golden claim', () => {
    for (const p of PROPERTIES_BEHIND_CLAIMS) {
      for (const s of p.specs) expect(existsSync(s), s).toBe(true);
      for (const id of p.claims) expect(ids.has(id), id).toBe(true);
    }
  });

  it('the report lists them, in HTML and Markdown', async () => {
    const report = await verifyClaims((c) => c.id === OTHER);
    const coverage = buildCoverage(report.claims.map((c) => c.id), () => ['reference']);
    expect(renderHtml(report, [], coverage)).toContain('<section id="properties"><h2>Properties behind the claims</h2>');
    expect(renderMarkdown(report, [], coverage)).toContain('| RoPE pairing: ');
  });
});
