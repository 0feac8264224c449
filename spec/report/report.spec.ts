/**
 * The verification report's structure (no browser): every claim of a run gets an anchored section
 * with its citation, checks and verdict; errata get their explanation; figures are real SVG drawn
 * from computed data; coverage lists every CLAIMS.md item. The browser test
 * (report.browser.spec.ts, `npm run test:browser`) opens the full report in Chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { verifyClaims } from '../../src/cli/verify.js';
import { loadClaims } from '../../src/core/claims.js';
import { buildCoverage, readCoverageFile } from '../../src/report/coverage.js';
import { buildFigures } from '../../src/report/figures.js';
import { renderHtml, renderMarkdown } from '../../src/report/render.js';

const SAMPLE = [
  'course.attention.i-love-cats.weights',
  'course.attention.i-love-cats.output-two-decimals',
  'course.attention.i-love-cats.denominator',
  'scratch.attention.encoder-scale-factor',
  'scratch.training.table-4-1-reproduction',
  'interview.shapes.concat-4x8',
  'tuning.shapes.vector-tensor',
];

describe('verification report (HTML and Markdown)', async () => {
  // the reproduction claim is rendered without a recorded run (an empty evidence folder)
  const empty = mkdtempSync(join(tmpdir(), 'transformer-spec-no-evidence-'));
  vi.stubEnv('TRANSFORMER_SPEC_EVIDENCE_DIR', empty);
  const report = await verifyClaims((c) => SAMPLE.includes(c.id));
  vi.unstubAllEnvs();
  const figures = await buildFigures();
  const coverage = buildCoverage(report.claims.map((c) => c.id), () => ['reference']);
  const html = renderHtml(report, figures, coverage);
  const md = renderMarkdown(report, figures, coverage);

  it('gives every claim a section whose anchor is its id, with citation, verdict and checks', () => {
    for (const id of SAMPLE) {
      const start = html.indexOf(`<section class="claim" id="${id}">`);
      expect(start, id).toBeGreaterThan(0);
      const section = html.slice(start, html.indexOf('</section>', start));
      const claim = loadClaims().find((c) => c.id === id)!;
      expect(section).toContain(claim.verdict === 'erratum' ? 'badge erratum' : 'badge hold');
      for (const check of claim.checks) expect(section).toContain(`<code>${check.label}</code>`);
      expect(section).toMatch(/<i>[^<]+<\/i> — /); // document title + section
    }
  });

  it('lists each erratum with the document value, the correct value and the explanation', () => {
    const errata = html.slice(html.indexOf('<section id="errata">'), html.indexOf('<section id="claims">'));
    expect(errata).toContain('course.attention.i-love-cats.output-two-decimals');
    expect(errata).toContain('[0.58, 0.85]'); // what the slide printed
    expect(errata).toContain('[0.58, 0.84]'); // what holds
    expect(errata).toContain('rounded twice'); // from the explanation
    expect(md).toContain('### interview.shapes.concat-4x8');
  });

  it('embeds the figures as SVG drawn from data (no external resources, no scripts)', () => {
    expect(figures.length).toBeGreaterThanOrEqual(6);
    for (const f of figures) {
      expect(f.svg.startsWith('<svg'), f.id).toBe(true);
      expect((f.svg.match(/<(path|rect|text)\b/g) ?? []).length, f.id).toBeGreaterThan(10);
      expect(html).toContain(`data-figure="${f.id}"`);
    }
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
  });

  it('shows coverage of every item of both inventories, with claims or the reason for none', () => {
    expect(coverage.items.length).toBe(readCoverageFile().items.length);
    expect(html).toContain('Coverage of the inventories');
    expect(html).toContain('no claim: the sentence breaks off');
    expect(md).toContain('| added | §8 |');
  });

  const section = (id: string) => {
    const start = html.indexOf(`<section class="claim" id="${id}">`);
    return html.slice(start, html.indexOf('</section>', start));
  };
  const erratum = (id: string) => {
    const errata = html.slice(html.indexOf('<section id="errata">'), html.indexOf('<section id="claims">'));
    const start = errata.indexOf(`<a href="#${id}">`);
    return errata.slice(start, errata.indexOf('<div class="claim">', start + 1) >>> 0);
  };

  it('"the document says" shows only what the document printed; the criterion has its own column with its reason', () => {
    const s = section('scratch.attention.encoder-scale-factor');
    expect(s).toContain('<th>the document says</th><th>criterion (and why)</th>');
    expect(s).toContain('Step 3: the scores are scaled by 1/d_k');
    // the bound is the criterion, never the document's value
    const row = s.slice(s.indexOf('<code>maxWeightDifference</code>'));
    const cells = row.split('<td>');
    expect(cells[1]).toContain('Step 3');
    expect(cells[1]).not.toContain('≤');
    expect(cells[2]).toContain('≤ 1e-12');
  });

  it('labels a value the document did not print as derived', () => {
    const s = section('course.attention.i-love-cats.denominator');
    const row = s.slice(s.indexOf('<code>denominatorExactE</code>'), s.indexOf('</tr>', s.indexOf('<code>denominatorExactE</code>')));
    expect(row).toContain('badge derived');
    expect(row).toContain('— (not printed by the document)');
    expect(row).not.toContain('<td>6.437</td>');
  });

  it('every erratum shows the document\'s value, what holds and a worked calculation; the scale factors side by side', () => {
    const e = erratum('scratch.attention.encoder-scale-factor');
    expect(e).toContain('Worked calculation');
    expect(e).toContain('[0.274, 0.257, 0.242, 0.227]');
    expect(e).toContain('[0.393, 0.276, 0.194, 0.136]');
    for (const c of report.claims.filter((x) => x.verdict === 'erratum')) {
      const block = erratum(c.id);
      expect(block, c.id).toContain('<ol>');
      expect(block, c.id).toContain('<th>the document says</th><th>what holds</th>');
    }
  });

  it('report.md shows each assumption, the worked calculations, and the backend below the summary', () => {
    for (const c of report.claims) for (const a of c.assumptions) expect(md, c.id).toContain(a);
    expect(md).toContain('Worked calculation:');
    expect(md.indexOf('TensorFlow.js backend:')).toBeGreaterThan(md.indexOf('**7 claims**'));
    expect(html.indexOf('TensorFlow.js backend:')).toBeGreaterThan(html.indexOf('<section id="summary">'));
    expect(html.slice(0, html.indexOf('<main>'))).not.toContain('backend');
  });

  it('a reproduction claim without its recorded run is shown as not judged, with the command that records it', () => {
    const s = section('scratch.training.table-4-1-reproduction');
    expect(s).toContain('not judged (no recorded run)');
    expect(s).toContain('npm run reproduce -- tinygpt');
    expect(report.totals.notJudged).toBe(1);
    expect(html).toContain('not judged</span> (no recorded run)');
  });
});
