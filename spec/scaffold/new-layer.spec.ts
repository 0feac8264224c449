/**
 * `npm run new-layer -- <name>` (scripts/new-layer.ts), always in a temporary copy of the files
 * it needs — never in the real tree:
 *   - it refuses bad names, existing layers and existing files, and then writes nothing;
 *   - it creates the five files and inserts the fixture stub above the marker of
 *     scripts/export-fixtures.py, leaving the rest of that script untouched;
 *   - run as a command in the copy, the three generated spec files all FAIL (red), each for the
 *     reason the cycle expects next ("not implemented yet", "fixture does not exist yet"), while
 *     the generated code type-checks.
 * The last test starts three processes (the command, then vitest and tsc side by side) in a
 * throwaway project that links this checkout's node_modules. It is the slow one: about 8 s of CPU
 * (tsc ~4.5 s, most of it parsing the tfjs/mathjs/vitest type declarations; vitest ~3 s).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { EDIT_MARKERS, FIXTURE_MARKER, FIXTURE_SCRIPT, layerNames, planLayer, ScaffoldError, scaffoldLayer } from '../../scripts/new-layer.js';

const NAME = 'scaffold-probe';
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A throwaway project: the parts the scaffolder and the generated specs touch, node_modules linked. */
function tempProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'new-layer-spec-'));
  temps.push(dir);
  for (const p of ['src', 'spec/_helpers', 'scripts/new-layer.ts', FIXTURE_SCRIPT, 'package.json', 'tsconfig.json', 'vitest.config.ts']) {
    cpSync(join(PROJECT_ROOT, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Every file under a directory, relative paths (to show that a refused run wrote nothing). */
const listing = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('npm run new-layer: names and refusals', () => {
  it('derives the file, function and type names from a kebab-case name', () => {
    expect(layerNames('rms-norm')).toEqual({ kebab: 'rms-norm', camel: 'rmsNorm', pascal: 'RmsNorm' });
    expect(layerNames('swiglu')).toEqual({ kebab: 'swiglu', camel: 'swiglu', pascal: 'Swiglu' });
    expect(layerNames('group-query-attention2')).toEqual({ kebab: 'group-query-attention2', camel: 'groupQueryAttention2', pascal: 'GroupQueryAttention2' });
  });

  it.each(['', 'RmsNorm', 'rms_norm', 'rms--norm', '-rms', 'rms-', '2norm', 'rms norm', 'a'.repeat(41)])('refuses the name %j with a named error', (bad) => {
    expect(() => layerNames(bad)).toThrow(ScaffoldError);
  });

  it('refuses an existing layer (by file or by exported name) and existing files, and then writes nothing', () => {
    const dir = tempProject();
    const before = listing(dir);
    const script = readFileSync(join(dir, FIXTURE_SCRIPT), 'utf8');
    expect(() => scaffoldLayer(dir, 'layer-norm')).toThrow(/refusing to overwrite: src\/reference\/layer-norm\.ts/);
    expect(() => scaffoldLayer(dir, 'gelu')).toThrow(/src\/reference\/index\.ts already exports "gelu"/); // no gelu.ts, but activations.ts exports it
    expect(() => scaffoldLayer(dir, '_helpers')).toThrow(/not kebab-case/);
    writeFileSync(join(dir, 'src/tfjs', `${NAME}.ts`), '// someone else\'s file\n'); // one of the five exists already
    expect(() => scaffoldLayer(dir, NAME)).toThrow(new RegExp(`refusing to overwrite: src/tfjs/${NAME}\\.ts already exists`));
    expect(readFileSync(join(dir, 'src/tfjs', `${NAME}.ts`), 'utf8')).toBe('// someone else\'s file\n');
    rmSync(join(dir, 'src/tfjs', `${NAME}.ts`));
    expect(listing(dir)).toEqual(before);
    expect(readFileSync(join(dir, FIXTURE_SCRIPT), 'utf8')).toBe(script);
  });

  it('refuses a fixture script without exactly one marker line, and writes nothing', () => {
    const dir = tempProject();
    const path = join(dir, FIXTURE_SCRIPT);
    const script = readFileSync(path, 'utf8');
    expect(script.split('\n').filter((l) => l === FIXTURE_MARKER)).toHaveLength(1); // the real script has it
    writeFileSync(path, script.replace(`${FIXTURE_MARKER}\n`, ''));
    const before = listing(dir);
    expect(() => scaffoldLayer(dir, NAME)).toThrow(/must contain the marker line/);
    expect(listing(dir)).toEqual(before);
  });

  it('creates the five files, each naming the layer, and inserts the stub right above the marker; a second run refuses', () => {
    const dir = tempProject();
    const script = readFileSync(join(dir, FIXTURE_SCRIPT), 'utf8');
    const plan = scaffoldLayer(dir, NAME);
    expect(plan.files.map((f) => f.path)).toEqual([
      `src/reference/${NAME}.ts`,
      `src/tfjs/${NAME}.ts`,
      `spec/${NAME}/${NAME}.golden.spec.ts`,
      `spec/${NAME}/${NAME}.property.spec.ts`,
      `spec/${NAME}/${NAME}.parity.spec.ts`,
    ]);
    for (const f of plan.files) {
      const text = readFileSync(join(dir, f.path), 'utf8');
      expect(text).toContain(NAME);
      if (!f.path.endsWith('.parity.spec.ts')) expect(text, `${f.path} names the function`).toContain('scaffoldProbe'); // parity goes through LAYER_CASES
      expect(text, `${f.path} says what to fill in`).toMatch(/TODO/);
      // a bracketed id at the start of a title would be read as a claim id by the registry spec
      expect(text).not.toMatch(/(?:it|test|describe)(?:\.each\([^)]*\))?\(\s*[`'"]\[/);
    }
    expect(readFileSync(join(dir, `src/reference/${NAME}.ts`), 'utf8')).toMatch(/export function scaffoldProbeWith<S>\(F: Field<S>, x: Matrix<S>[\s\S]*export const scaffoldProbe = /);
    expect(readFileSync(join(dir, `src/tfjs/${NAME}.ts`), 'utf8')).toMatch(/export function scaffoldProbe\(x: tf\.Tensor/);

    const after = readFileSync(join(dir, FIXTURE_SCRIPT), 'utf8');
    const at = script.indexOf(`\n${FIXTURE_MARKER}\n`) + 1;
    const stub = after.slice(at, after.length - (script.length - at)); // whatever was inserted before the marker
    expect(after.slice(0, at) + after.slice(at + stub.length)).toBe(script); // nothing else changed
    expect(stub).toContain(`FIXTURES.append(Fixture(\n    "layer", "${NAME}",`);
    expect(stub).toMatch(/^\s+build=None,/m); // registered but skipped by --out/--check until filled in
    expect(after.indexOf(`# new-layer: stubs are inserted above`)).toBeGreaterThan(after.indexOf(`"layer", "${NAME}"`));

    // the indexes, the BigNumber module and the op registry: one line (or one row) above each marker, nothing else changed
    expect(plan.edits.map((e) => e.path)).toEqual([FIXTURE_SCRIPT, ...Object.keys(EDIT_MARKERS)]);
    for (const [path, marker] of Object.entries(EDIT_MARKERS)) {
      const text = readFileSync(join(dir, path), 'utf8');
      expect(text.split('\n').filter((l) => l === marker), `${path} keeps its marker once`).toHaveLength(1);
      expect(text.slice(0, text.indexOf(`\n${marker}\n`)), `${path} names the layer above its marker`).toMatch(path.endsWith('registry.ts') ? /scaffoldProbe: \{[\s\S]*fixtures: \[\{ file: 'scaffold-probe'/ : /scaffoldProbe/);
    }

    expect(() => scaffoldLayer(dir, NAME)).toThrow(/refusing to overwrite/);
    expect(readFileSync(join(dir, FIXTURE_SCRIPT), 'utf8')).toBe(after); // no second stub
    expect(() => planLayer(dir, 'another-probe')).not.toThrow(); // the marker is still there for the next one
  });
});

// ---------------------------------------------------------------------------------------------

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for a nested run: none of this run's vitest worker state leaks into it. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TRANSFORMER_SPEC_PROPERTY_LOG' && k !== 'NODE_OPTIONS' && k !== 'TEST'));

const run = (cwd: string, args: string[]): Promise<Proc> =>
  new Promise((done, fail) => {
    const p = spawn(process.execPath, args, { cwd, env: cleanEnv() });
    let [stdout, stderr] = ['', ''];
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => done({ code, stdout, stderr }));
  });

interface VitestJson {
  numTotalTests: number;
  numFailedTests: number;
  numPassedTests: number;
  testResults: Array<{ name: string; assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

describe('npm run new-layer: the generated specs are red and the generated code type-checks', () => {
  it(`run as a command in a temporary project: prints the files and next steps; vitest fails every generated test for the expected reason; tsc passes`, async () => {
    const dir = tempProject();
    const tsx = join(dir, 'node_modules/tsx/dist/cli.mjs');
    const cmd = spawnSync(process.execPath, [tsx, 'scripts/new-layer.ts', '--', NAME], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
    expect(cmd.status, cmd.stderr).toBe(0);
    for (const line of [`src/reference/${NAME}.ts`, `src/tfjs/${NAME}.ts`, `spec/${NAME}/${NAME}.parity.spec.ts`, FIXTURE_SCRIPT, `npx vitest run spec/${NAME}`, 'npm run parity']) {
      expect(cmd.stdout).toContain(line);
    }

    const report = join(dir, 'vitest.json');
    // the new files, and the registry (which imports both indexes and the BigNumber module): the whole op path type-checks
    const files = [`src/reference/${NAME}.ts`, `src/tfjs/${NAME}.ts`, ...['golden', 'property', 'parity'].map((k) => `spec/${NAME}/${NAME}.${k}.spec.ts`), 'src/ops/registry.ts'];
    writeFileSync(join(dir, 'tsconfig.scaffold.json'), JSON.stringify({ extends: './tsconfig.json', include: [], files }));
    // vitest and tsc side by side: together they take about as long as the slower one
    const [vitest, tsc] = await Promise.all([
      // one worker for the three files: tfjs and mathjs load once (half the CPU time of a fork per file)
      run(dir, [join(dir, 'node_modules/vitest/vitest.mjs'), 'run', `spec/${NAME}`, '--no-isolate', '--poolOptions.forks.singleFork', '--reporter=json', `--outputFile=${report}`]),
      run(dir, [join(dir, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.scaffold.json']),
    ]);
    expect(tsc.code, `tsc on the generated files:\n${tsc.stdout}${tsc.stderr}`).toBe(0);

    expect(vitest.code, 'vitest must fail: the specs are red').not.toBe(0);
    expect(existsSync(report), vitest.stderr).toBe(true);
    const r = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
    expect(r.numPassedTests, 'no generated test may pass before the layer exists').toBe(0);
    expect(r.numFailedTests).toBe(r.numTotalTests);
    const byFile = (kind: string) => r.testResults.find((t) => t.name.endsWith(`${NAME}.${kind}.spec.ts`))!;
    const reasons = (kind: string) => byFile(kind).assertionResults.flatMap((a) => a.failureMessages).join('\n');
    for (const kind of ['golden', 'property', 'parity']) {
      expect(byFile(kind), `${kind} spec ran`).toBeDefined();
      expect(byFile(kind).assertionResults.length, `${kind} spec has tests`).toBeGreaterThan(0);
      expect(byFile(kind).assertionResults.every((a) => a.status === 'failed'), `${kind}: every test fails`).toBe(true);
    }
    expect(reasons('golden')).toMatch(/scaffoldProbe is not implemented yet/);
    expect(reasons('golden')).toMatch(/scaffoldProbe \(tfjs\) is not implemented yet/);
    expect(reasons('property')).toMatch(/Property failed/); // fast-check's report; the cause is the same "not implemented yet"
    expect(reasons('parity')).toMatch(new RegExp(`fixtures/layers/${NAME}\\.safetensors does not exist yet`));
  }, 60_000);
});
