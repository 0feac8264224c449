/**
 * Loading the PyTorch fixtures (fixtures/, written only by scripts/export-fixtures.py).
 * Inside a fixture file: input.*, param.<state_dict key>, output.*, cotangent.*, grad.input.*,
 * grad.param.*; __metadata__.config holds the module's constructor arguments.
 */
import { MalformedInputError } from './errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './claims.js';
import { readSafetensors, toNumbers, type SafeTensor } from './safetensors.js';
import { leafFromFlat, unflatten } from './state-dict.js';
import { hostOnly } from './host.js';

export interface FixtureTensor {
  shape: number[];
  values: number[];
  integer: boolean;
}

export interface Fixture {
  name: string;
  config: Record<string, unknown>;
  input: Map<string, FixtureTensor>;
  param: Map<string, FixtureTensor>;
  output: Map<string, FixtureTensor>;
  cotangent: Map<string, FixtureTensor>;
  gradInput: Map<string, FixtureTensor>;
  gradParam: Map<string, FixtureTensor>;
}

const asFixtureTensor = (t: SafeTensor): FixtureTensor => ({ shape: t.shape, values: toNumbers(t), integer: t.dtype.startsWith('I') });

function loadFixtureOnHost(relPath: string): Fixture {
  const { tensors, metadata } = readSafetensors(join(PROJECT_ROOT, 'fixtures', relPath));
  const f: Fixture = { name: relPath, config: JSON.parse(metadata.config ?? '{}'), input: new Map(), param: new Map(), output: new Map(), cotangent: new Map(), gradInput: new Map(), gradParam: new Map() };
  for (const [name, t] of tensors) {
    const ft = asFixtureTensor(t);
    const [kind, ...rest] = name.split('.');
    const key = rest.join('.');
    if (kind === 'grad') (rest[0] === 'input' ? f.gradInput : f.gradParam).set(rest.slice(1).join('.'), ft);
    else if (kind === 'input' || kind === 'param' || kind === 'output' || kind === 'cotangent') f[kind].set(key, ft);
    else throw new MalformedInputError(`${relPath}: unexpected tensor name ${name}`);
  }
  return f;
}

/** Nested arrays of a tensor's values (row-major), for the reference implementation. */
export function nested(t: FixtureTensor): unknown {
  const build = (offset: number, dims: number[]): unknown =>
    dims.length === 0 ? t.values[offset] : Array.from({ length: dims[0] }, (_, i) => build(offset + i * dims.slice(1).reduce((a, b) => a * b, 1), dims.slice(1)));
  return build(0, t.shape);
}

/** Parameter tree for the reference (matrices and vectors). */
export function referenceParams(params: Map<string, FixtureTensor>): Record<string, unknown> {
  return unflatten([...params].map(([n, t]) => [n, leafFromFlat(t, n)]));
}


/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const loadFixture = hostOnly('loadFixture', loadFixtureOnHost);

/** fixtures/manifest.json (parameter counts PyTorch reported, among others). Node-only, like loadFixture. */
export const readFixtureManifest = hostOnly('readFixtureManifest', (): { parameter_counts: Record<string, number> } => JSON.parse(readFileSync(join(PROJECT_ROOT, 'fixtures', 'manifest.json'), 'utf8')));
