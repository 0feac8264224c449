/**
 * `npm run new-layer -- <kebab-name>`: scaffold a layer in both implementations, red first.
 *
 * Creates, and refuses to overwrite:
 *   src/reference/<name>.ts                literate header (formula, source, shapes), a generic
 *                                          `<camelName>With(F, x, p)` and its float64 wrapper
 *   src/tfjs/<name>.ts                     the same exported name and arguments, on tensors
 *   spec/<name>/<name>.golden.spec.ts      a hand-computed worked example on all three implementations
 *   spec/<name>/<name>.property.spec.ts    shape, float64 vs BigNumber, tfjs vs float64 (+ TODO invariants)
 *   spec/<name>/<name>.parity.spec.ts      the PyTorch fixture's conventions, then shape/values/gradients
 * and inserts a stub fixture (build=None) above the marker line of scripts/export-fixtures.py.
 *
 * Every generated function throws "not implemented yet", and every generated spec asserts on the
 * layer's output, so all three spec files fail until the layer is written (red); the whole tree
 * still type-checks. CONTRIBUTING.md walks through the cycle on RMSNorm.
 *
 * Nothing is written unless everything can be: a bad name (not kebab-case, or one whose function
 * name is a JavaScript reserved word or a member every object has, such as `constructor`), an
 * existing file or export, or a missing marker stops the scaffolder before its first write. If a
 * write fails midway, what was created is removed and the fixture script is restored; the error
 * that stopped the run is the one reported, with any failure of that clean-up added to it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createFileAtomic, writeFileAtomic } from '../src/core/atomic-write.js';
import { SpecError } from '../src/core/errors.js';
import { fileSystemReason } from '../src/core/files.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FIXTURE_SCRIPT = 'scripts/export-fixtures.py';
/** The line in scripts/export-fixtures.py above which stubs are inserted. */
export const FIXTURE_MARKER = '# new-layer: stubs are inserted above this line (keep it)';

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/**
 * Function names a layer cannot take: JavaScript's reserved words (`export function delete…` does
 * not parse) and the members every object inherits (`constructor`, `toString`, … — a registry
 * keyed by layer name would find them on any object, and `__proto__` would change its prototype).
 */
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval'.split(' '),
  ...Object.getOwnPropertyNames(Object.prototype),
]);

export interface LayerNames {
  /** File and fixture name, as given: `rms-norm`. */
  kebab: string;
  /** Exported function name: `rmsNorm`. */
  camel: string;
  /** Type-name stem: `RmsNorm` (→ `RmsNormParams`, `TfRmsNormParams`). */
  pascal: string;
}

export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

export function layerNames(name: string): LayerNames {
  if (typeof name !== 'string' || name.length === 0) throw new ScaffoldError('usage: npm run new-layer -- <kebab-name>   (e.g. rms-norm)');
  if (!KEBAB.test(name)) {
    throw new ScaffoldError(`layer name "${name}" is not kebab-case: lower-case letters and digits in words joined by single hyphens, starting with a letter (e.g. rms-norm, swiglu, group-query-attention)`);
  }
  if (name.length > 40) throw new ScaffoldError(`layer name "${name}" is longer than 40 characters`);
  const words = name.split('-');
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
  const camel = words[0] + words.slice(1).map(cap).join('');
  if (RESERVED.has(camel) || RESERVED.has(name)) {
    throw new ScaffoldError(`layer name "${name}" gives the function name "${camel}", a JavaScript reserved word or a member every object has (constructor, toString, __proto__, …); pick a name after the layer's concept`);
  }
  return { kebab: name, camel, pascal: words.map(cap).join('') };
}

export interface ScaffoldPlan {
  names: LayerNames;
  /** Files to create, paths relative to the project root. */
  files: Array<{ path: string; content: string }>;
  /**
   * Existing files changed, each at its marker line: the two indexes and the BigNumber module
   * export the layer, the op registry gets its row, scripts/export-fixtures.py its fixture stub.
   */
  edits: Array<{ path: string; content: string; what: string }>;
}

/** The marker line of each file the scaffolder edits; the insertion goes right above it. */
export const EDIT_MARKERS = {
  'src/reference/index.ts': '// new-layer: exports are inserted above this line (keep it)',
  'src/tfjs/index.ts': '// new-layer: exports are inserted above this line (keep it)',
  'src/reference/high-precision.ts': '// new-layer: exports are inserted above this line (keep it)',
  'src/ops/registry.ts': '  // new-layer: rows are inserted above this line (keep it)',
} as const;

/** `text` with `insertion` placed right above its one marker line, or an error naming the file. */
function insertAboveMarker(path: string, text: string, marker: string, insertion: string): string {
  const at = text.indexOf(`\n${marker}\n`);
  if (at < 0 || text.indexOf(`\n${marker}\n`, at + 1) >= 0) throw new ScaffoldError(`${path} must contain the marker line "${marker.trim()}" exactly once (the scaffold inserts above it)`);
  return text.slice(0, at + 1) + insertion + text.slice(at + 1);
}

/** Everything the scaffolder would write, after checking that none of it exists yet. */
export function planLayer(root: string, name: string): ScaffoldPlan {
  const names = layerNames(name);
  const { kebab, camel } = names;
  const files = [
    { path: `src/reference/${kebab}.ts`, content: referenceTemplate(names) },
    { path: `src/tfjs/${kebab}.ts`, content: tfjsTemplate(names) },
    { path: `spec/${kebab}/${kebab}.golden.spec.ts`, content: goldenTemplate(names) },
    { path: `spec/${kebab}/${kebab}.property.spec.ts`, content: propertyTemplate(names) },
    { path: `spec/${kebab}/${kebab}.parity.spec.ts`, content: parityTemplate(names) },
  ];
  const existing = [...files.map((f) => f.path), `fixtures/layers/${kebab}.safetensors`].filter((p) => existsSync(join(root, p)));
  if (existing.length === 0 && existsSync(join(root, 'spec', kebab))) existing.push(`spec/${kebab}/`); // a topic of that name
  if (existing.length > 0) throw new ScaffoldError(`refusing to overwrite: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}. Pick another name, or remove ${existing.length === 1 ? 'it' : 'them'} first.`);
  for (const index of ['src/reference/index.ts', 'src/tfjs/index.ts']) {
    const path = join(root, index);
    if (!existsSync(path)) continue;
    const exported = [...readFileSync(path, 'utf8').matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!));
    if (exported.includes(camel)) throw new ScaffoldError(`${index} already exports "${camel}": a layer by that name exists. Pick another name.`);
  }
  const scriptPath = join(root, FIXTURE_SCRIPT);
  if (!existsSync(scriptPath)) throw new ScaffoldError(`${FIXTURE_SCRIPT} not found under ${root}`);
  const script = readFileSync(scriptPath, 'utf8');
  if (new RegExp(`^\\s*"layer",\\s*"${kebab}"`, 'm').test(script)) throw new ScaffoldError(`${FIXTURE_SCRIPT} already has a fixture named "${kebab}"`);
  const at = script.indexOf(`\n${FIXTURE_MARKER}\n`);
  if (at < 0 || script.indexOf(`\n${FIXTURE_MARKER}\n`, at + 1) >= 0) {
    throw new ScaffoldError(`${FIXTURE_SCRIPT} must contain the marker line "${FIXTURE_MARKER}" exactly once (the stub goes above it)`);
  }
  const content = script.slice(0, at + 1) + fixtureStubTemplate(names) + '\n' + script.slice(at + 1);
  const edits = [
    { path: FIXTURE_SCRIPT, content, what: `stub "${kebab}" above the new-layer marker; skipped by --out/--check until build= is set` },
    ...(Object.entries(EDIT_MARKERS) as Array<[keyof typeof EDIT_MARKERS, string]>).map(([path, marker]) => {
      const file = join(root, path);
      if (!existsSync(file)) throw new ScaffoldError(`${path} not found under ${root}`);
      return { path, content: insertAboveMarker(path, readFileSync(file, 'utf8'), marker, insertionFor(path, names)), what: path === 'src/ops/registry.ts' ? `the registry row "${camel}" (differential and parity specs now run it)` : `export { ${camel} }` };
    }),
  ];
  return { names, files, edits };
}

/** What goes above the marker of each edited file. */
function insertionFor(path: keyof typeof EDIT_MARKERS, { kebab, camel, pascal }: LayerNames): string {
  switch (path) {
    case 'src/reference/index.ts':
    case 'src/tfjs/index.ts':
      return `export { ${camel} } from './${kebab}.js';\n`;
    case 'src/reference/high-precision.ts':
      return `export { ${camel}HighPrecision as ${camel} } from './${kebab}.js';\n`;
    case 'src/ops/registry.ts':
      return `  ${camel}: {
    concept: '${kebab}',
    reference: R.${camel},
    highPrecision: HP.${camel},
    tfjs: T.${camel},
    args: ['tensor', 'params', 'value'], // how each argument crosses to tensors (src/ops/convert.ts); TODO(${kebab}): one kind per parameter
    tolerance: TFJS_VS_REFERENCE.default, // TODO(${kebab}): keep, or add the op's own entry to src/core/tolerance.ts with its measured reason
    // TODO(${kebab}): the inputs of the differential spec (arguments as the reference takes them)
    arbitrary: ({ fc, size, matrixOf, vectorOf }) => fc.tuple(size(1, 8), size(1, 16)).chain(([n, C]) => fc.tuple(matrixOf(n, C), fc.record({ weight: vectorOf(C) }))),
    fixtures: [{ file: '${kebab}', reference: (i, p) => perBatch((x) => R.${camel}(x as Matrix, p))(i.x), tfjs: (i, p) => T.${camel}(i.x, p) }],
  },
  // ${pascal}: scaffolded by npm run new-layer -- ${kebab}
`;
  }
}

/** The file operations scaffoldLayer uses (a spec replaces them to inject faults). */
export interface ScaffoldFs {
  makeDirectory(path: string): void;
  /** Creates a new file; fails if it exists. */
  createFile(path: string, content: string): void;
  /** Replaces a file atomically. */
  replaceFile(path: string, content: string): void;
  remove(path: string): void;
}

const NODE_FS: ScaffoldFs = {
  makeDirectory: (path) => mkdirSync(path),
  createFile: (path, content) => createFileAtomic(path, content), // fails rather than overwrite
  replaceFile: (path, content) => writeFileAtomic(path, content),
  remove: (path) => rmSync(path, { recursive: true, force: true }),
};

/**
 * Writes the plan; on any failure removes what it had created and restores the fixture script, so
 * a run is all or nothing. The error thrown is the one that stopped the run; if the clean-up
 * fails too, its failures are appended (with what to remove by hand), never put in its place.
 */
export function scaffoldLayer(root: string, name: string, fs: ScaffoldFs = NODE_FS): ScaffoldPlan {
  const plan = planLayer(root, name);
  const created: string[] = [];
  const originals = plan.edits.map((e) => ({ path: e.path, content: readFileSync(join(root, e.path), 'utf8') }));
  const replaced: typeof originals = [];
  try {
    for (const f of plan.files) {
      const path = join(root, f.path);
      const missing: string[] = [];
      for (let d = dirname(path); !existsSync(d); d = dirname(d)) missing.unshift(d);
      for (const d of missing) {
        fs.makeDirectory(d);
        created.push(d);
      }
      fs.createFile(path, f.content);
      created.push(path);
    }
    plan.edits.forEach((e, i) => {
      replaced.push(originals[i]); // from here on this file may have changed: restore it on failure
      fs.replaceFile(join(root, e.path), e.content);
    });
  } catch (e) {
    const cleanup: string[] = [];
    for (const p of created.reverse()) {
      try {
        fs.remove(p);
      } catch (r) {
        cleanup.push(`could not remove ${p} (${(r as Error).message})`);
      }
    }
    for (const o of replaced.reverse()) {
      try {
        fs.replaceFile(join(root, o.path), o.content);
      } catch (r) {
        cleanup.push(`could not restore ${o.path} (${(r as Error).message})`);
      }
    }
    if (cleanup.length === 0) throw e;
    const original = e instanceof Error ? e : new ScaffoldError(String(e));
    throw new ScaffoldError(`${original.message}; then the clean-up failed too — ${cleanup.join('; ')}: remove or restore by hand`);
  }
  return plan;
}

export function nextSteps({ kebab, camel }: LayerNames): string[] {
  return [
    `npx vitest run spec/${kebab} spec/differential spec/registry   # red: the layer's specs and its registry row fail ("not implemented yet", no fixture)`,
    `src/reference/${kebab}.ts: formula, source and shapes in the header; ${camel}With(F, …) once for any field, with its argument checks`,
    `src/tfjs/${kebab}.ts: the same formula from tfjs-core ops inside tf.tidy, reusing the reference's argument checks (no synchronous read-back)`,
    `src/ops/registry.ts: the "${camel}" row's argument kinds, tolerance and arbitrary; ${FIXTURE_SCRIPT}: the "${kebab}" stub, then npm run fixtures:export && npm run fixtures:check`,
    `spec/${kebab}/: the hand-computed golden values and the layer's own invariants; then npx vitest run spec/${kebab} spec/differential && npm run typecheck && npm run parity   # green`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Templates. Every TODO names what to fill in; the generated code type-checks as it stands.

function referenceTemplate({ kebab, camel, pascal }: LayerNames): string {
  return `/**
 * ${pascal} — TODO: one line saying what the layer computes and why a Transformer uses it.
 *
 * TODO: the formula, written where it is implemented (LaTeX or plain), e.g. for a per-token layer
 *
 *   y_c = f(x)_c · γ_c,      for every token (row) x of the input
 *
 * Source: TODO (paper: authors, year, equation; or a document's short id and section).
 * Shapes: x (n × C) → y (n × C); weight γ (C). TODO: correct these if the layer is not
 * shape-preserving, and put a shape comment on every reshape/transpose/matMul line.
 *
 * Scaffolded by \`npm run new-layer -- ${kebab}\`; CONTRIBUTING.md ("Adding a layer") walks through it.
 */
import type { BigNumber } from 'mathjs';
import { InternalError } from '../core/errors.js';
import type { Matrix } from '../core/shape.js';
import { bignumber, float64, type Field } from './field.js';

/** Parameters, named as the PyTorch module's state_dict keys. TODO: adjust to the layer's own. */
export interface ${pascal}Params<S> {
  weight: S[];
}

/**
 * TODO: implement the formula above once, for any scalar field F (float64 below, 64-digit
 * BigNumber in the oracle). Check the arguments first and throw the named errors of
 * src/core/errors.ts (ShapeError, ArgumentError, …) — never return NaN for bad input.
 */
export function ${camel}With<S>(F: Field<S>, x: Matrix<S>, p: ${pascal}Params<S>, name = '${camel}'): Matrix<S> {
  throw new InternalError(\`\${name} is not implemented yet: write it in src/reference/${kebab}.ts (npm run new-layer scaffolded it; see CONTRIBUTING.md)\`);
}

export const ${camel} = (x: Matrix, p: ${pascal}Params<number>, name = '${camel}'): Matrix => ${camel}With(float64, x, p, name);
/** The 64-digit BigNumber oracle's ${camel} (exported as ${camel} by src/reference/high-precision.ts). */
export const ${camel}HighPrecision = (x: Matrix<BigNumber>, p: ${pascal}Params<BigNumber>, name = '${camel}'): Matrix<BigNumber> => ${camel}With(bignumber, x, p, name);
`;
}

function tfjsTemplate({ kebab, camel, pascal }: LayerNames): string {
  return `/**
 * ${pascal} in TensorFlow.js (float32): the same exported name, arguments and formula as
 * src/reference/${kebab}.ts (see its header). Inputs may have any leading (batch, time)
 * dimensions; the last one is the feature axis. Everything runs inside tf.tidy; the caller owns
 * the returned tensor.
 *
 * Scaffolded by \`npm run new-layer -- ${kebab}\`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InternalError } from '../core/errors.js';

/** The reference's ${pascal}Params, as tensors. TODO: keep the two in step. */
export interface Tf${pascal}Params {
  weight: tf.Tensor;
}

/**
 * TODO: build the formula from tfjs-core ops inside tf.tidy (so tf.grads differentiates it), and
 * run the reference's argument checks first, so both implementations raise the same errors.
 */
export function ${camel}(x: tf.Tensor, p: Tf${pascal}Params, name = '${camel}'): tf.Tensor {
  throw new InternalError(\`\${name} (tfjs) is not implemented yet: write it in src/tfjs/${kebab}.ts (npm run new-layer scaffolded it; see CONTRIBUTING.md)\`);
}
`;
}

function goldenTemplate({ kebab, camel }: LayerNames): string {
  return `/**
 * ${kebab}: a worked example small enough to compute by hand, on all three implementations.
 * It is the project's own example, not a document claim; if a source document states something
 * about this layer, encode it as a golden record under golden/<topic>/ instead (CONTRIBUTING.md,
 * "The red-green loop"), and never put an invented claim id in brackets in a test title.
 *
 * Expected values are strings, checked at the decimals written (the printed-precision rule of
 * src/core/tolerance.ts: the computed value must round to them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shapeOf } from '../../src/core/shape.js';
import { matchesPrinted, PRINTED_SLACK, type ImplName } from '../../src/core/tolerance.js';
import { bignumber } from '../../src/reference/field.js';
import { ${camel}, ${camel}With } from '../../src/reference/${kebab}.js';
import '../../src/tfjs/index.js';
import { ${camel} as tf${camel[0].toUpperCase()}${camel.slice(1)} } from '../../src/tfjs/${kebab}.js';
import { backendReport } from '../_helpers/setup.js';

// TODO: a small input and parameters, and the output worked out by hand; write the arithmetic
// in a comment so a reader can redo it.
const x = [[3, 4]];
const p = { weight: [1, 1] };
const expected: string[][] = []; // TODO: the hand-computed output, e.g. [['0.848528', '1.131371']]

function expectRoundsTo(actual: number[][], impl: ImplName): void {
  expect(shapeOf(actual), 'output shape').toEqual(shapeOf(expected));
  actual.flat().forEach((v, i) => {
    expect(matchesPrinted(v, expected.flat()[i], PRINTED_SLACK[impl]), \`entry \${i}: computed \${v}, hand-computed \${expected.flat()[i]}\`).toBe(true);
  });
}

describe('${kebab} worked example (the project\\'s own, not a document claim)', () => {
  it('reference-f64: the output rounds to the hand-computed values', () => {
    expectRoundsTo(${camel}(x, p), 'reference');
  });

  it('bignumber-64: the output rounds to the hand-computed values', () => {
    const lift = (v: number) => bignumber.from(v);
    const y = ${camel}With(bignumber, x.map((r) => r.map(lift)), { weight: p.weight.map(lift) });
    expectRoundsTo(y.map((r) => r.map((v) => bignumber.toNumber(v))), 'high-precision');
  });

  it(\`tfjs[\${backendReport.choice}]: the output rounds to the hand-computed values\`, () => {
    const [xt, w] = [tf.tensor2d(x), tf.tensor1d(p.weight)];
    try {
      const y = tf${camel[0].toUpperCase()}${camel.slice(1)}(xt, { weight: w });
      const values = y.arraySync() as number[][];
      y.dispose();
      expectRoundsTo(values, 'tfjs');
    } finally {
      tf.dispose([xt, w]);
    }
  });
});
`;
}

function propertyTemplate({ kebab, camel }: LayerNames): string {
  const tfName = `tf${camel[0].toUpperCase()}${camel.slice(1)}`;
  return `/**
 * ${kebab}: invariants over random inputs (fast-check through checkProperty: fixed seed,
 * PROPERTY_RUNS runs; a failure prints the seed and the counterexample).
 *
 * The scaffold starts with three properties that hold for any shape-preserving layer with
 * per-feature weights: the output keeps the input's shape; the float64 reference agrees with the
 * 64-digit BigNumber oracle; tfjs agrees with the reference.
 * TODO: add the layer's own invariants and say them here in one line each (LayerNorm: mean 0,
 * variance 1 per token; a positional encoding: bounded by 1; …), with tolerances taken from
 * src/core/tolerance.ts (add an entry there, with its reason, if none fits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { shapeOf } from '../../src/core/shape.js';
import { compareNested, REFERENCE_VS_HIGH_PRECISION, TFJS_VS_REFERENCE } from '../../src/core/tolerance.js';
import { bignumber } from '../../src/reference/field.js';
import { ${camel}, ${camel}With } from '../../src/reference/${kebab}.js';
import '../../src/tfjs/index.js';
import { ${camel} as ${tfName} } from '../../src/tfjs/${kebab}.js';
import { type Matrix, type Value, matrixOf, value } from '../_helpers/arbitraries.js';
import { checkProperty, fc } from '../_helpers/property.js';
import { backendReport } from '../_helpers/setup.js';

/** x (n × C) and weight (C), rounded to float32 so tfjs and the reference see the same numbers. */
const args = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 1, max: 16 }) })
  .chain(({ n, C }) => fc.record({ x: matrixOf(n, C, value.map(Math.fround)), weight: fc.array(value.map(Math.fround), { minLength: C, maxLength: C }) }));
type Args = Value<typeof args>;

const runTfjs = ({ x, weight }: Args): Matrix =>
  tf.tidy(() => ${tfName}(tf.tensor2d(x), { weight: tf.tensor1d(weight) }).arraySync() as unknown as tf.TensorContainer) as unknown as Matrix;

describe('${kebab} properties', () => {
  it('reference-f64: the output has the input\\'s shape (n × C)', () => {
    checkProperty<[Args]>('${kebab} keeps the shape', args, ({ x, weight }) => {
      expect(shapeOf(${camel}(x, { weight }))).toEqual(shapeOf(x));
    });
  });

  it('reference-f64 agrees with the 64-digit BigNumber oracle (REFERENCE_VS_HIGH_PRECISION)', () => {
    checkProperty<[Args]>('${kebab}: float64 = BigNumber', args, ({ x, weight }) => {
      const lift = (v: number) => bignumber.from(v);
      const big = ${camel}With(bignumber, x.map((r) => r.map(lift)), { weight: weight.map(lift) }).map((r) => r.map((v) => bignumber.toNumber(v)));
      const c = compareNested(${camel}(x, { weight }), big, REFERENCE_VS_HIGH_PRECISION);
      expect(c.ok, c.message).toBe(true);
    });
  });

  it(\`tfjs (\${backendReport.choice}) agrees with the float64 reference (TFJS_VS_REFERENCE.default)\`, () => {
    checkProperty<[Args]>('${kebab}: tfjs = reference', args, (a) => {
      const c = compareNested(runTfjs(a), ${camel}(a.x, { weight: a.weight }), TFJS_VS_REFERENCE.default);
      expect(c.ok, c.message).toBe(true);
    });
  });

  // TODO: the layer's own invariants, e.g.
  // it('reference-f64: <what the layer guarantees>, on any input', () => {
  //   checkProperty<[Args]>('${kebab}: <invariant>', args, ({ x, weight }) => { … });
  // });
});
`;
}

function parityTemplate({ kebab, pascal }: LayerNames): string {
  return `/**
 * ${kebab}: parity with PyTorch on fixtures/layers/${kebab}.safetensors, which only
 * scripts/export-fixtures.py writes. First the fixture's conventions (the module and its
 * constructor arguments are the ones the implementation assumes), then — through the shared
 * runner of src/ops/parity.ts, as \`npm run parity\` — output shape, forward values, and
 * every gradient (tfjs by tf.grads; the float64 reference by central differences).
 * Tolerances: PYTORCH_PARITY and FINITE_DIFFERENCE (src/core/tolerance.ts).
 *
 * Red until: the stub in scripts/export-fixtures.py builds a module and \`npm run fixtures:export\`
 * has written the fixture (the registry row in src/ops/registry.ts names it); both implementations exist.
 */
import { describe, expect, it } from 'vitest';
import { describeLayerParity, layerFixture } from '../_helpers/layer-parity.js';

describe('${kebab}: the PyTorch fixture was exported with the conventions the implementation assumes', () => {
  it('module and constructor arguments', () => {
    const f = layerFixture('${kebab}');
    // TODO: the module name the fixture stub records in its config, and every convention the
    // TypeScript layer relies on (eps, affine parameters, …), e.g. expect(f.config.eps).toBe(1e-5).
    expect(f.config.module).toBe('${pascal}');
  });
});

describeLayerParity('${kebab}');
`;
}

function fixtureStubTemplate({ kebab, pascal }: LayerNames): string {
  return `# --- ${kebab}: scaffolded by \`npm run new-layer -- ${kebab}\` ---------------------------------------
# TODO(${kebab}): 1. the PyTorch module: torch's own, or a class written in "Modules" above with
#   the formula in its docstring and parameters named as the state_dict keys the TypeScript
#   layer reads; 2. build= a function returning it; 3. the one-line description and the config
#   (constructor arguments and conventions; the parity spec checks config["module"]); 4. the
#   inputs. Until build is set, --out and --check skip this entry with a notice.
FIXTURES.append(Fixture(
    "layer", "${kebab}",
    "TODO(${kebab}): one line saying which module, with which arguments, on which input shape",
    {"module": "${pascal}", "mode": "eval"},
    build=None,  # TODO(${kebab}): lambda: ${pascal}(8)
    make_inputs=lambda: {"x": _randn(BATCH, 4, 8)},
))
`;
}

// ---------------------------------------------------------------------------------------------

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function main(argv: string[], root = PROJECT_ROOT, out: (s: string) => void = console.log, err: (s: string) => void = console.error): number {
  const args = argv.filter((a) => a !== '--');
  if (args.length !== 1 || args[0].startsWith('-')) {
    err('usage: npm run new-layer -- <kebab-name>   (e.g. npm run new-layer -- rms-norm)');
    return 2;
  }
  try {
    const plan = scaffoldLayer(root, args[0]);
    out(`scaffolded layer "${plan.names.kebab}" (${plan.names.camel}): every spec below fails until the layer is written.`);
    out('');
    out('created:');
    for (const f of plan.files) out(`  ${f.path}`);
    out('changed:');
    for (const e of plan.edits) out(`  ${e.path}   (${e.what})`);
    out('');
    out('next steps (CONTRIBUTING.md walks through them on RMSNorm):');
    nextSteps(plan.names).forEach((s, i) => out(`  ${i + 1}. ${s}`));
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldError || e instanceof SpecError || fileSystemReason(e)) {
      err(`new-layer: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exit(main(process.argv.slice(2)));
}
