/**
 * Opens the full verification report in headless Chromium (Debian's `chromium`; override the path
 * with CHROMIUM_PATH) and checks what a reader would see: the page loads without console errors,
 * every figure's SVG is present and rasterises to a non-blank image, the number of claim sections
 * equals the registry, and a claim's anchor scrolls to that claim. Run by `npm run test:browser`
 * (CI installs chromium with apt); not part of `npm test`, which must work without a browser.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyClaims } from '../../src/cli/verify.js';
import { loadClaims } from '../../src/core/claims.js';
import { buildCoverage } from '../../src/report/coverage.js';
import { buildFigures } from '../../src/report/figures.js';
import { renderHtml } from '../../src/report/render.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags that need no network: no background services, no first-run, no sandbox (CI runs as root).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the verification report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let file = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
    const report = await verifyClaims();
    const figures = await buildFigures();
    const coverage = buildCoverage(report.claims.map((c) => c.id), (id) => report.claims.find((c) => c.id === id)!.outcomes.map((o) => o.impl));
    file = join(mkdtempSync(join(tmpdir(), 'report-')), 'index.html');
    writeFileSync(file, renderHtml(report, figures, coverage));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors', () => {
    expect(errors).toEqual([]);
  });

  it('shows one claim section per golden claim', async () => {
    expect(await page.locator('#claims section.claim').count()).toBe(loadClaims().length);
  });

  it('renders every figure: a non-empty SVG that rasterises to a non-blank image', async () => {
    const figures = await page.locator('figure[data-figure]').all();
    expect(figures.length).toBeGreaterThanOrEqual(6);
    for (const f of figures) {
      const id = await f.getAttribute('data-figure');
      const stats = await f.evaluate(async (el) => {
        const svg = el.querySelector('svg')!;
        const box = svg.getBoundingClientRect();
        const blob = new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' });
        const img = new Image();
        img.src = URL.createObjectURL(blob);
        await img.decode();
        const canvas = document.createElement('canvas');
        [canvas.width, canvas.height] = [Math.ceil(box.width), Math.ceil(box.height)];
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i] < 245 || px[i + 1] < 245 || px[i + 2] < 245) inked++;
        return { width: box.width, height: box.height, inkedShare: inked / (px.length / 4) };
      });
      expect(stats.width, `${id} width`).toBeGreaterThan(50);
      expect(stats.height, `${id} height`).toBeGreaterThan(50);
      expect(stats.inkedShare, `${id} is blank`).toBeGreaterThan(0.02);
    }
  });

  it('a claim anchor scrolls to that claim', async () => {
    await page.goto(`file://${file}#course.attention.i-love-cats.output-two-decimals`);
    const target = await page.evaluate(() => document.querySelector(':target')?.id);
    expect(target).toBe('course.attention.i-love-cats.output-two-decimals');
    expect(await page.locator(':target').isVisible()).toBe(true);
  });
});
