/**
 * The twins stay twins: src/reference/index.ts and src/tfjs/index.ts export the same op names with
 * the same argument names, except where src/ops/registry.ts records an exception and its reason;
 * and every op of the registry is exported by both indexes, with its BigNumber variant exported by
 * src/reference/high-precision.ts under the same name (or a stated reason for having none).
 *
 * The exports are read with the TypeScript compiler from the sources, as a reader would see them:
 * a function's parameter names, in order.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import * as HP from '../../src/reference/high-precision.js';
import { OP_NAMES, OP_REGISTRY, PAIRING_EXCEPTIONS, type OpRow } from '../../src/ops/registry.js';
import * as R from '../../src/reference/index.js';
import * as T from '../../src/tfjs/index.js';

const INDEXES = { reference: 'src/reference/index.ts', tfjs: 'src/tfjs/index.ts' } as const;
type Side = keyof typeof INDEXES;

/** name → parameter names, for every exported function (or const bound to a function) of a module. */
function exportedSignatures(): Record<Side, Map<string, string[]>> {
  const files = Object.values(INDEXES).map((f) => join(PROJECT_ROOT, f));
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const read = (file: string) => {
    const sf = program.getSourceFile(file)!;
    const out = new Map<string, string[]>();
    for (const e of checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!)) {
      const sigs = checker.getTypeOfSymbolAtLocation(e, sf).getCallSignatures();
      if (sigs.length > 0) out.set(e.getName(), sigs[0].getParameters().map((p) => p.getName()));
    }
    return out;
  };
  return { reference: read(files[0]), tfjs: read(files[1]) };
}

describe('the op pairing of src/reference and src/tfjs', () => {
  const sigs = exportedSignatures();

  it('the compiler reads both indexes (a sanity check on the reader itself)', () => {
    expect(sigs.reference.get('scaledDotProductAttention')).toEqual(['q', 'k', 'v', 'options']);
    expect(sigs.tfjs.get('scaledDotProductAttention')).toEqual(['q', 'k', 'v', 'options']);
    expect(sigs.reference.size).toBeGreaterThan(40);
  });

  it('every export has a twin with the same name and the same argument names, or a recorded exception', () => {
    const problems: string[] = [];
    const names = new Set([...sigs.reference.keys(), ...sigs.tfjs.keys()]);
    for (const name of [...names].sort()) {
      const [r, t] = [sigs.reference.get(name), sigs.tfjs.get(name)];
      const ex = PAIRING_EXCEPTIONS[name];
      if (!r || !t) {
        const side: Side = r ? 'reference' : 'tfjs';
        if (ex?.onlyIn !== side) problems.push(`${name} is exported by src/${side}/index.ts only (${(r ?? t)!.join(', ')})`);
        continue;
      }
      let [rr, tt] = [r, t];
      if (ex?.extraParameters) {
        const extra = ex.extraParameters;
        const longer = extra.side === 'reference' ? rr : tt;
        const tail = longer.slice(longer.length - extra.names.length);
        if (tail.join() !== extra.names.join()) problems.push(`${name}: the exception says ${extra.side} ends with (${extra.names.join(', ')}), but it ends with (${tail.join(', ')})`);
        if (extra.side === 'reference') rr = rr.slice(0, rr.length - extra.names.length);
        else tt = tt.slice(0, tt.length - extra.names.length);
      }
      if (rr.join() !== tt.join()) problems.push(`${name}: reference (${r.join(', ')}) vs tfjs (${t.join(', ')})`);
    }
    expect(problems).toEqual([]);
  });

  it('every recorded exception is still needed and gives a reason', () => {
    for (const [name, ex] of Object.entries(PAIRING_EXCEPTIONS)) {
      expect(ex.reason.length, `${name}: a reason of a few words at least`).toBeGreaterThan(20);
      const [r, t] = [sigs.reference.get(name), sigs.tfjs.get(name)];
      if (ex.onlyIn) expect(ex.onlyIn === 'reference' ? Boolean(r) && !t : Boolean(t) && !r, `${name} is no longer exported by ${ex.onlyIn} only: drop the exception`).toBe(true);
      if (ex.extraParameters) expect(r && t && r.length !== t.length, `${name}: both sides now take the same parameters: drop the exception`).toBe(true);
    }
  });

  it('every registry op is exported by both indexes under its name, and its row names those very functions', () => {
    const wrong: string[] = [];
    for (const name of OP_NAMES) {
      const row: OpRow = OP_REGISTRY[name];
      const ref = (R as Record<string, unknown>)[name];
      const tf = (T as Record<string, unknown>)[name];
      if (row.reference !== ref) wrong.push(`${name}: the row's reference is not src/reference/index.ts's ${name}`);
      if (tf === undefined && PAIRING_EXCEPTIONS[name]?.onlyIn !== 'reference') wrong.push(`${name}: src/tfjs/index.ts does not export it`);
      if (tf !== undefined && row.tfjs !== tf) wrong.push(`${name}: the row's tfjs is not src/tfjs/index.ts's ${name}`);
      const hp = (HP as Record<string, unknown>)[name];
      if (typeof row.highPrecision === 'function' && row.highPrecision !== hp) wrong.push(`${name}: the row's BigNumber variant is not high-precision.ts's ${name}`);
      if (typeof row.highPrecision !== 'function' && row.highPrecision.none.length < 20) wrong.push(`${name}: no BigNumber variant, and no reason given`);
    }
    expect(wrong).toEqual([]);
  });

  it('every op of both indexes is in the registry (or an exception says why it is not an op)', () => {
    const missing = [...new Set([...sigs.reference.keys(), ...sigs.tfjs.keys()])].filter((n) => !(n in OP_REGISTRY) && !PAIRING_EXCEPTIONS[n]);
    expect(missing).toEqual([]);
  });

  it('every row states how each argument crosses to tensors: one kind per reference parameter, at most', () => {
    const wrong = OP_NAMES.filter((n) => {
      const row: OpRow = OP_REGISTRY[n];
      return !row.stateful && row.args.length > (sigs.reference.get(n)?.length ?? 0);
    });
    expect(wrong).toEqual([]);
  });
});
