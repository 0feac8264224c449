/**
 * Figures for the verification report, as Vega-Lite specifications rendered to SVG in Node
 * (vega-lite compiles, vega's headless View renders; no browser, no hand-built SVG).
 * Each figure is computed from the implementations, never drawn from the documents' numbers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { PROJECT_ROOT } from '../core/claims.js';
import { scaledDotProductAttention, sinusoidalEncoding } from '../reference/index.js';

export interface Figure {
  id: string;
  title: string;
  caption: string;
  /** Claim ids the figure illustrates (linked from the report). */
  claims: string[];
  svg: string;
}

export async function renderVegaLite(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

interface HeatmapLabels {
  x: string;
  y: string;
  legend: string;
  scheme: 'blues' | 'redblue';
}
const ATTENTION: HeatmapLabels = { x: 'key', y: 'query', legend: 'weight', scheme: 'blues' };

function heatmap(title: string, matrix: number[][], rows: string[], cols: string[], domain?: [number, number], labels: HeatmapLabels = ATTENTION): vl.TopLevelSpec {
  const values = matrix.flatMap((r, i) => r.map((v, j) => ({ row: rows[i], col: cols[j], value: v, label: v.toFixed(3) })));
  return {
    title,
    width: Math.max(120, 42 * cols.length),
    height: Math.max(90, 32 * rows.length),
    data: { values },
    encoding: {
      x: { field: 'col', type: 'ordinal', sort: cols, title: labels.x },
      y: { field: 'row', type: 'ordinal', sort: rows, title: labels.y },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', scale: { scheme: labels.scheme, ...(domain ? { domain } : {}) }, title: labels.legend } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'label' }, color: { condition: { test: 'abs(datum.value) > 0.6', value: 'white' }, value: 'black' } } },
    ],
  };
}

export async function buildFigures(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const x = [[1, 0], [0, 1], [1, 1]];
  const tokens = ['I', 'love', 'cats'];
  for (const [scale, suffix] of [[false, 'as the slide computes it (no scaling)'], [true, 'with the 1/√d_k scaling the slide skipped']] as const) {
    const w = scaledDotProductAttention(x, x, x, { scale, steps: true }).weights;
    figures.push({
      id: `fig-i-love-cats-${scale ? 'scaled' : 'unscaled'}`,
      title: `"I love cats": attention weights, ${suffix}`,
      caption: 'Rows are queries, columns keys; each row sums to 1. The "love" row is the worked example.',
      claims: scale ? ['course.attention.i-love-cats.with-scaling'] : ['course.attention.i-love-cats.weights', 'course.attention.i-love-cats.exact-weights'],
      svg: await renderVegaLite(heatmap(`"I love cats" — ${suffix}`, w, tokens, tokens, [0, 1])),
    });
  }
  const interview = scaledDotProductAttention(x, x, x, { steps: true }).weights;
  figures.push({
    id: 'fig-interview-softmax',
    title: 'Interview deck example: softmax(QKᵀ/√2) for Q = K = [[1,0],[0,1],[1,1]]',
    caption: 'The first row is [0.40, 0.20, 0.40]; the deck printed [0.42, 0.15, 0.42] (erratum).',
    claims: ['interview.attention.first-row-softmax'],
    svg: await renderVegaLite(heatmap('softmax(QKᵀ/√2)', interview, ['token 1', 'token 2', 'token 3'], ['token 1', 'token 2', 'token 3'], [0, 1])),
  });
  const robot = sinusoidalEncoding(4, 4, { base: 100 });
  figures.push({
    id: 'fig-i-am-a-robot',
    title: '"I am a Robot": positional encoding, d = 4, base n = 100',
    caption: 'The course\'s table, computed: columns are sin/cos pairs with divisors 1 and 10.',
    claims: ['course.pe.i-am-a-robot'],
    svg: await renderVegaLite(heatmap('PE (d = 4, n = 100)', robot, ['I (0)', 'am (1)', 'a (2)', 'Robot (3)'], ['col 0 sin', 'col 1 cos', 'col 2 sin', 'col 3 cos'], [-1, 1], { x: 'column', y: 'token (position)', legend: 'PE', scheme: 'redblue' })),
  });
  const n = 100;
  const d = 64;
  const pe = sinusoidalEncoding(n, d);
  figures.push({
    id: 'fig-pe-heatmap',
    title: 'Sinusoidal positional encoding, 100 positions × 64 dimensions (base 10000)',
    caption: 'Every entry lies in [−1, 1]; frequencies fall geometrically from left to right, so no two rows coincide.',
    claims: ['interview.pe.bounded', 'interview.pe.unique-per-position', 'interview.pe.formula'],
    svg: await renderVegaLite({
      title: 'PE(pos, i)',
      width: 420,
      height: 260,
      data: { values: pe.flatMap((r, p) => r.map((v, i) => ({ pos: p, dim: i, value: v }))) },
      mark: 'rect',
      encoding: {
        x: { field: 'dim', type: 'ordinal', title: 'dimension', axis: { values: [0, 16, 32, 48, 63] } },
        y: { field: 'pos', type: 'ordinal', title: 'position', axis: { values: [0, 25, 50, 75, 99] } },
        color: { field: 'value', type: 'quantitative', scale: { scheme: 'redblue', domain: [-1, 1] } },
      },
    }),
  });
  figures.push({
    id: 'fig-pe-sinusoids',
    title: 'The sinusoids behind the encoding: dimensions 0, 1, 8, 9, 32 over positions 0…99',
    caption: 'Pair i rotates with angular frequency 10000^(−2i/d): PE(pos + k) is PE(pos) rotated by k·ω_i.',
    claims: ['interview.pe.relative-rotation'],
    svg: await renderVegaLite({
      title: 'PE(pos, i) for selected i',
      width: 420,
      height: 200,
      data: { values: [0, 1, 8, 9, 32].flatMap((i) => pe.map((r, p) => ({ pos: p, value: r[i], dim: `i = ${i} (${i % 2 ? 'cos' : 'sin'})` }))) },
      mark: { type: 'line' },
      encoding: { x: { field: 'pos', type: 'quantitative', title: 'position' }, y: { field: 'value', type: 'quantitative', scale: { domain: [-1, 1] } }, color: { field: 'dim', type: 'nominal', title: null } },
    }),
  });
  figures.push(...(await optionalFigures()));
  return figures;
}

/**
 * Figures whose data come from other parts of the project when they exist: trainable-share bars
 * from the parameter accounting, loss curves from the reproductions' JSON (report/reproduce-*.json).
 */
async function optionalFigures(): Promise<Figure[]> {
  const out: Figure[] = [];
  const curves: Array<{ model: string; step: number; loss: number }> = [];
  for (const model of ['tinygpt', 'tinybert']) {
    const file = join(PROJECT_ROOT, 'report', `reproduce-${model}.json`);
    if (!existsSync(file)) continue;
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as { log?: Array<{ epoch?: number; step?: number; loss: number }> };
      for (const e of r.log ?? []) curves.push({ model, step: e.epoch ?? e.step ?? 0, loss: e.loss });
    } catch {
      /* a malformed reproduction file is reported by its own command; the figure is left out */
    }
  }
  if (curves.length) {
    out.push({
      id: 'fig-loss-curves',
      title: 'Training loss of the reproductions (npm run reproduce)',
      caption: 'Loss against training step for the tutorial\'s two models, from report/reproduce-*.json.',
      claims: [],
      svg: await renderVegaLite({
        title: 'training loss',
        width: 420,
        height: 220,
        data: { values: curves },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, color: { field: 'model', type: 'nominal' } },
      }),
    });
  }
  const shares = await trainableShares();
  if (shares.length) {
    out.push({
      id: 'fig-trainable-shares',
      title: 'Trainable share of parameters by fine-tuning method',
      caption: 'Computed exactly from the model configurations (src/core/parameter-accounting.ts).',
      claims: [],
      svg: await renderVegaLite({
        title: 'trainable parameters (% of total, log scale)',
        width: 420,
        height: Math.max(120, 22 * shares.length),
        data: { values: shares },
        mark: 'bar',
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          x: { field: 'percent', type: 'quantitative', scale: { type: 'log' }, title: '% trainable' },
          color: { field: 'method', type: 'nominal' },
        },
      }),
    });
  }
  return out;
}

/** Shares from the parameter-accounting module if it exports `reportShares()`; none otherwise. */
async function trainableShares(): Promise<Array<{ label: string; method: string; percent: number }>> {
  const path = join(PROJECT_ROOT, 'src', 'core', 'parameter-accounting.ts');
  if (!existsSync(path)) return [];
  const mod = (await import('../core/parameter-accounting.js' as string)) as { reportShares?: () => Array<{ label: string; method: string; percent: number }> };
  return mod.reportShares ? mod.reportShares() : [];
}
