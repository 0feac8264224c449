/**
 * The verification report's structure (no browser): every claim of a run gets an anchored section
 * with its citation, checks and verdict; errata get their explanation; figures are real SVG drawn
 * from computed data; coverage lists every CLAIMS.md item. The browser test
 * (report.browser.spec.ts, `npm run test:browser`) opens the full report in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { verifyClaims } from '../../src/cli/verify.js';
import { loadClaims } from '../../src/core/claims.js';
import { buildCoverage, readCoverageFile, readInventory } from '../../src/report/coverage.js';
import { buildFigures } from '../../src/report/figures.js';
import { renderHtml, renderMarkdown } from '../../src/report/render.js';

const SAMPLE = ['course.attention.i-love-cats.weights', 'course.attention.i-love-cats.output-two-decimals', 'interview.shapes.concat-4x8', 'tuning.shapes.vector-tensor'];

describe('verification report (HTML and Markdown)', async () => {
  const report = await verifyClaims((c) => SAMPLE.includes(c.id));
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

  it('shows coverage of every CLAIMS.md item', () => {
    expect(coverage.items.length).toBe(readCoverageFile().items.length);
    const inventory = readInventory();
    if (inventory) {
      // CLAIMS.md is beside the project (developers' machines and CI): every item must be mapped.
      // Items the project adds (CLAIMS.md invites additions) are marked "(added)" in coverage.json.
      const mapped = coverage.items.filter((i) => !i.text.startsWith('(added)')).map((i) => i.text);
      expect(mapped.sort()).toEqual(inventory.map((i) => i.text).sort());
    }
    expect(html).toContain('Coverage of CLAIMS.md');
  });
});
