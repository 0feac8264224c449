/**
 * The README's table of measured errors per op and backend (between <!-- gpu:results --> markers):
 * the largest |tfjs − float64 reference| that `npm run test:gpu` recorded for webgl and webgpu
 * (report/gpu-op-errors.json), beside wasm's on the same seeded cases (computed here: the op's
 * arbitrary drawn with fast-check's seed, GPU_PROPERTY_RUNS cases, plus the row's fixed cases).
 *
 *   npx tsx scripts/gpu-error-table.ts [--write]     (--write updates README.md)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeFileAtomic } from '../src/core/atomic-write.js';
import { initBackend } from '../src/core/backend.js';
import { PROJECT_ROOT } from '../src/core/claims.js';
import { arbitrariesOf } from '../src/ops/arbitraries.js';
import { referenceImpl, tfjsImpl, type ArrayImpl } from '../src/ops/implementations.js';
import { OP_REGISTRY, type OpName, type OpRow } from '../src/ops/registry.js';
import { compareResults } from '../spec/_helpers/results.js';
import { propertyConfig } from '../spec/_helpers/property-config.js';

interface Measured { maxAbsError: number; cases: number; atol: number; rtol: number }
const file = JSON.parse(readFileSync(join(PROJECT_ROOT, 'report', 'gpu-op-errors.json'), 'utf8')) as { backends: string[]; gpuPropertyRuns: number; ops: Record<string, Record<string, Measured>> };
const backend = await initBackend('wasm');
const wasm = tfjsImpl(backend);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (impl: ArrayImpl<any>, name: OpName, args: unknown[]): Promise<unknown> => (impl as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args);
const A = arbitrariesOf(fc);
const fmt = (x: number | undefined) => (x === undefined ? '—' : x === 0 ? '0' : x.toExponential(1));

const rows: string[] = [];
for (const [op, per] of Object.entries(file.ops)) {
  let wasmErr: number | undefined;
  const row = (OP_REGISTRY as Record<string, OpRow>)[op];
  if (row && !row.stateful) {
    // the whole models have no arbitrary (the GPU leg runs them on the fixtures' weights; the Node
    // suite's own specs hold wasm to the same rows): '—' rather than a 0 over no cases
    const cases = [...(row.arbitrary ? fc.sample(row.arbitrary(A) as fc.Arbitrary<unknown[]>, { seed: propertyConfig().seed, numRuns: file.gpuPropertyRuns }) : []), ...(row.cases?.() ?? [])];
    if (cases.length) wasmErr = 0;
    for (const args of cases) {
      const c = compareResults(await call(wasm, op as OpName, args), await call(referenceImpl, op as OpName, args), row.tolerance, row.compare);
      wasmErr = Math.max(wasmErr ?? 0, c.maxAbsError);
    }
  }
  const any = Object.values(per)[0];
  const tol = op.startsWith('TinyGPT training') ? 'the loss must fall by > 0.2 (a drop, not an error)' : any.atol === 0 && any.rtol === 0 ? 'exact' : `${any.atol} + ${any.rtol}·\\|x\\|`;
  rows.push(`| ${op} | ${fmt(wasmErr)} | ${fmt(per.webgl?.maxAbsError)} | ${fmt(per.webgpu?.maxAbsError)} | ${tol} |`);
}
const table = [
  `Largest |tfjs − expected| per op and backend, measured by \`npm run test:gpu\` (${file.gpuPropertyRuns} seeded cases per registry op plus its fixed cases; expected = the float64 reference, or PyTorch for the parity rows; wasm on the same cases by \`npx tsx scripts/gpu-error-table.ts\`). No op needed a per-backend tolerance: every row passes its existing one on every backend. Errors are absolute; where values are large (perplexity = e^CE reaches 10^6 on these cases) the rtol term is what bounds them.`,
  '',
  '| op | wasm | webgl | webgpu | tolerance (atol + rtol·\\|x\\|) |',
  '|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  const readme = join(PROJECT_ROOT, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const [open, close] = ['<!-- gpu:results -->', '<!-- /gpu:results -->'];
  const i = text.indexOf(open);
  const j = text.indexOf(close);
  if (i < 0 || j < i) throw new Error('README.md has no <!-- gpu:results --> markers');
  const extra = process.env.GPU_TIMINGS ? `\n\n${process.env.GPU_TIMINGS}` : '';
  writeFileAtomic(readme, `${text.slice(0, i + open.length)}\n${table}${extra}\n${text.slice(j)}`);
}
