/**
 * Faults while writing (issue 14, findings 3 and 4): every file is written to a temporary file in
 * its folder and renamed into place (src/core/atomic-write.ts, scripts/atomic_write.py), the
 * report's files are written as one set — all new or all old — and outputs are checked before
 * the work that produces them starts. Before: `verify` under a file-size limit left a truncated
 * claims.json; with index.html made a directory, claims.json was replaced while report.md stayed
 * from the earlier run; `reproduce --out DIR` trained, then lost its results on EISDIR.
 *
 * Faults are real: three child processes run under `ulimit -f` (bash) — the CLI's verify, the
 * set writer, and the Python fixture writer (one file, then a set with the manifest) — and each
 * time the previous good files must survive byte for byte with no temporary file left behind. A
 * directory stands in the way in this worker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportPaths, scopeOf, verifyClaims, writeVerifyReport, type VerifyReport } from '../../src/cli/verify.js';
import { checkWritable, createFileAtomic, writeFileAtomic, writeFileSet } from '../../src/core/atomic-write.js';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { FileAccessError, RangeArgumentError, ResourceLimitError } from '../../src/core/errors.js';
import { runReproduction } from '../../src/training/reproduce.js';
import { parseBenchArgs } from '../../scripts/bench/args.js';
import { ScaffoldError, scaffoldLayer, layerNames, EDIT_MARKERS, type ScaffoldFs } from '../../scripts/new-layer.js';
import { cli, expectUsageFailure } from '../_helpers/cli.js';
import { expectSpecError } from '../_helpers/errors.js';

const root = mkdtempSync(join(tmpdir(), 'transformer-spec-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => {
  const d = join(root, `case-${++n}`);
  mkdirSync(d);
  return d;
};
/** Every file in a folder with its bytes: what "intact" compares. */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, existsSync(join(dir, f)) && !readdirSync(dir, { withFileTypes: true }).find((e) => e.name === f)!.isDirectory() ? readFileSync(join(dir, f), 'utf8') : '<dir>']));
const temporaries = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.'));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** bash -c 'ulimit -f BLOCKS; exec …' (512-byte blocks): the process gets EFBIG past the limit. */
function underFileSizeLimit(blocks: number, command: string[], cwd = PROJECT_ROOT) {
  const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${blocks}; exec ${quoted}`], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('writeFileSet: all new or all old', () => {
  it('writes a new set and replaces an old one, leaving no temporary file', () => {
    const d = folder();
    writeFileSet([{ path: join(d, 'a.json'), data: 'a1' }, { path: join(d, 'sub', 'b.html'), data: new Uint8Array([98, 49]) }]);
    writeFileSet([{ path: join(d, 'a.json'), data: 'a2' }, { path: join(d, 'sub', 'b.html'), data: 'b2' }]);
    expect([readFileSync(join(d, 'a.json'), 'utf8'), readFileSync(join(d, 'sub', 'b.html'), 'utf8')]).toEqual(['a2', 'b2']);
    expect([...temporaries(d), ...temporaries(join(d, 'sub'))]).toEqual([]);
  });

  it('a directory in the way of one file: FileAccessError naming it, and every other file keeps its old bytes', () => {
    const d = folder();
    writeFileSet([{ path: join(d, 'claims.json'), data: 'good claims' }, { path: join(d, 'report.md'), data: 'good report' }]);
    mkdirSync(join(d, 'index.html'));
    const before = snapshot(d);
    expectSpecError(
      () => writeFileSet([{ path: join(d, 'claims.json'), data: 'new' }, { path: join(d, 'index.html'), data: 'new' }, { path: join(d, 'report.md'), data: 'new' }]),
      FileAccessError,
      'FILE_ACCESS',
      new RegExp(`^${escape(join(d, 'index.html'))}: cannot write the file \\(a directory is in the way\\)$`),
    );
    expect(snapshot(d)).toEqual(before);
    expect(temporaries(d)).toEqual([]);
  });

  it('under a file-size limit (a real EFBIG, in a child process): the first file fits, the second does not — both keep their old bytes', () => {
    const d = folder();
    writeFileSet([{ path: join(d, 'small.txt'), data: 'old small' }, { path: join(d, 'big.txt'), data: 'old big' }]);
    const script = `import { writeFileSet } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/atomic-write.ts'))};
try { writeFileSet([{ path: ${JSON.stringify(join(d, 'small.txt'))}, data: 'new small' }, { path: ${JSON.stringify(join(d, 'big.txt'))}, data: 'x'.repeat(100000) }]); }
catch (e) { console.log(e.name + ': ' + e.message); process.exitCode = 3; }`;
    const r = underFileSizeLimit(16, [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^FileAccessError: .*big\.txt: cannot write the file \(file too large: over a file-size limit such as ulimit -f\); the previous file, if any, is unchanged/);
    expect(snapshot(d)).toEqual({ 'small.txt': 'old small', 'big.txt': 'old big' });
    expect(temporaries(d)).toEqual([]);
  });

  it('writeFileAtomic replaces one file in one step; createFileAtomic never replaces', () => {
    const d = folder();
    writeFileAtomic(join(d, 'x'), 'one');
    writeFileAtomic(join(d, 'x'), 'two');
    createFileAtomic(join(d, 'y'), 'made');
    expectSpecError(() => createFileAtomic(join(d, 'y'), 'again'), FileAccessError, 'FILE_ACCESS', /y: cannot create the file \(it already exists\)$/);
    expect(snapshot(d)).toEqual({ x: 'two', y: 'made' });
  });

  it('checkWritable: a folder under a file, or a directory where the file belongs, fails before any work', () => {
    const d = folder();
    writeFileSync(join(d, 'file'), '');
    mkdirSync(join(d, 'out.json'));
    expectSpecError(() => checkWritable([join(d, 'file', 'x.json')]), FileAccessError, 'FILE_ACCESS', /file: cannot use it as a folder \(it is a file\)$/);
    expectSpecError(() => checkWritable([join(d, 'out.json')]), FileAccessError, 'FILE_ACCESS', /out\.json: cannot write the file \(a directory is in the way\)$/);
    expect(temporaries(d)).toEqual([]);
  });
});

describe('the verification report: one set, and only a complete run replaces it', async () => {
  const IDS = ['interview.shapes.x-in-r-4x512', 'tuning.shapes.vector-tensor'];
  const report: VerifyReport = await verifyClaims((c) => IDS.includes(c.id));

  it('a directory in the way of index.html: claims.json and report.md stay from the previous good run', async () => {
    const d = folder();
    const good = await writeVerifyReport(report, d, { kind: 'full' });
    expect(good.map((p) => p.slice(d.length + 1))).toEqual(['claims.json', 'index.html', 'report.md']);
    rmSync(join(d, 'index.html'));
    mkdirSync(join(d, 'index.html'));
    const before = snapshot(d);
    await expect(writeVerifyReport({ ...report, generatedAt: 'later' }, d, { kind: 'full' })).rejects.toThrow(/index\.html: cannot write the file \(a directory is in the way\)/);
    expect(snapshot(d)).toEqual(before);
    expect(temporaries(d)).toEqual([]);
  });

  it('a run with a claim that could not be evaluated is degraded: written beside the full report, which is untouched', async () => {
    const d = folder();
    await writeVerifyReport(report, d, { kind: 'full' });
    const before = snapshot(d);
    const broken: VerifyReport = { ...report, claims: report.claims.map((c, i) => (i ? c : { ...c, confirmed: false, outcomes: c.outcomes.map((o) => ({ ...o, derived: 'error' as const, confirmed: false, error: 'the tutorial is not at ../shared/seeds/…' })) })) };
    const scope = scopeOf(broken, undefined, 123);
    expect(scope.kind).toBe('degraded');
    expect(scope.kind === 'degraded' && scope.couldNotRun.map((x) => [x.id, x.error])).toEqual(report.claims[0].outcomes.map(() => [IDS[0], 'the tutorial is not at ../shared/seeds/…']));
    const written = await writeVerifyReport(broken, d, scope);
    expect(written).toEqual(Object.values(reportPaths(d, 'degraded')));
    expect(written.map((p) => p.slice(d.length + 1))).toEqual(['claims.degraded.json', 'index.degraded.html', 'report.degraded.md']);
    for (const [f, text] of Object.entries(before)) expect(readFileSync(join(d, f), 'utf8'), f).toBe(text);
    expect(JSON.parse(readFileSync(join(d, 'claims.degraded.json'), 'utf8')).scope.kind).toBe('degraded');
    expect(readFileSync(join(d, 'index.degraded.html'), 'utf8')).toContain('Degraded report: 1 claims could not be evaluated');
    expect(readFileSync(join(d, 'report.degraded.md'), 'utf8')).toContain('**Degraded report:');
    expect(scopeOf(report, undefined, 123)).toEqual({ kind: 'full' });
  });

  it('verify --only writes claims.only.json (saying it is a subset) beside the full report, which stays byte for byte', async () => {
    const d = folder();
    await writeVerifyReport(report, d, { kind: 'full' });
    const before = snapshot(d);
    const r = await cli('verify', '--only', IDS[0], '--out', d);
    expect(r.code, r.stderr).toBe(0);
    for (const [f, text] of Object.entries(before)) expect(readFileSync(join(d, f), 'utf8'), f).toBe(text);
    expect(JSON.parse(readFileSync(join(d, 'claims.only.json'), 'utf8')).scope).toEqual({ kind: 'subset', only: IDS[0], claims: 1, registry: expect.any(Number) });
  });

  it('verify --only with a directory in the way: exit 2, one line, before any claim runs', async () => {
    const d = folder();
    mkdirSync(join(d, 'claims.only.json'));
    await expectUsageFailure(['verify', '--only', IDS[0], '--out', d], /^error: .*claims\.only\.json: cannot write the file \(a directory is in the way\)$/);
  });

  it('the CLI under ulimit -f (a child process): exit 2 naming the file-size limit; the previous claims.only.json survives intact', async () => {
    const d = folder();
    expect((await cli('verify', '--only', IDS[0], '--out', d)).code).toBe(0);
    const before = snapshot(d);
    const r = underFileSizeLimit(4, [process.execPath, 'bin/transformer-spec.js', 'verify', '--only', IDS[0], '--out', d]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(/^error: .*claims\.only\.json: cannot write the file \(file too large: over a file-size limit such as ulimit -f\); the previous file, if any, is unchanged$/);
    expect(snapshot(d)).toEqual(before);
    expect(JSON.parse(before['claims.only.json']).claims).toHaveLength(1); // still valid JSON
  });
});

describe('the Python fixture writer (scripts/atomic_write.py) under ulimit -f', () => {
  it('a failed write, alone or in a set with the manifest, leaves every previous file byte for byte and no temporary file', () => {
    const d = folder();
    const [fixture, manifest, other] = ['linear.safetensors', 'manifest.json', 'block.safetensors'].map((f) => join(d, f));
    writeFileSync(fixture, 'previous good fixture');
    writeFileSync(manifest, 'previous manifest');
    writeFileSync(other, 'previous block');
    const code = `import sys; sys.path.insert(0, 'scripts'); from pathlib import Path; from atomic_write import FileSet, write_atomic
try:
    write_atomic(Path(${JSON.stringify(fixture)}), b'x' * 100000)
except OSError as e:
    print('alone', type(e).__name__, e.errno)
try:
    with FileSet() as files:
        files.add(Path(${JSON.stringify(manifest)}), b'new manifest')
        files.add(Path(${JSON.stringify(other)}), b'y' * 100000)
        files.commit()
except OSError as e:
    print('set', type(e).__name__, e.errno); sys.exit(3)`;
    const r = underFileSizeLimit(16, ['python3', '-c', code]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.trim().split('\n')).toEqual(['alone OSError 27', 'set OSError 27']); // EFBIG, twice
    expect(snapshot(d)).toEqual({ 'linear.safetensors': 'previous good fixture', 'manifest.json': 'previous manifest', 'block.safetensors': 'previous block' });
  });
});

describe('outputs and sizes are checked before long work starts', () => {
  const io = { lines: [] as string[], out(l: string) { this.lines.push(l); }, progress() {} };

  it('reproduce --out an existing directory: FileAccessError before the text is read or a step is trained', async () => {
    const d = folder();
    const out = join(d, 'results.json');
    mkdirSync(out);
    io.lines = [];
    await expect(runReproduction({ model: 'tinygpt', steps: 1, out }, io)).rejects.toThrow(new FileAccessError(`${out}: cannot write the file (a directory is in the way)`));
    await expect(runReproduction({ model: 'tinygpt', steps: 1, out: join(d, 'r.json'), saveWeights: true, tutorialPath: join(d, 'absent.txt') }, io)).rejects.toThrow(/^the tutorial "LLMs From Scratch" .*not found/);
    mkdirSync(join(d, 'r.safetensors'));
    await expect(runReproduction({ model: 'tinygpt', steps: 1, out: join(d, 'r.json'), saveWeights: true }, io)).rejects.toThrow(/r\.safetensors: cannot write the file \(a directory is in the way\)/);
    expect(io.lines).toEqual([]); // nothing trained, nothing printed
  });

  it('reproduce --block-size 100000: RangeArgumentError naming the largest block the text allows; a batch of 10^9 windows: ResourceLimitError', async () => {
    io.lines = [];
    await expect(runReproduction({ model: 'tinygpt', blockSize: 100_000, out: null }, io)).rejects.toThrow(RangeArgumentError);
    await expect(runReproduction({ model: 'tinygpt', blockSize: 100_000, out: null }, io)).rejects.toThrow(/^block size 100000: a text of \d+ tokens has no window of 100000 tokens to draw; it can be at most \d+$/);
    await expect(runReproduction({ model: 'tinygpt', batchSize: 1e9, out: null }, io)).rejects.toThrow(ResourceLimitError);
    expect(io.lines).toEqual([]);
  });

  it('bench: --backend garbage is a UsageError at parse time (before the PyTorch anchor); partial runs write beside bench.json and say so', () => {
    const d = folder();
    expect(() => parseBenchArgs(['--backend', 'garbage'], d)).toThrow(/^--backend must be one of gpu, tensorflow, wasm, cpu, got "garbage"$/);
    expect(() => parseBenchArgs(['--only', 'everything'], d)).toThrow(/^--only must be one of tinygpt-train, attention, generation/);
    expect(parseBenchArgs([], d)).toMatchObject({ mode: 'full', outFile: join(d, 'bench.json') });
    expect(parseBenchArgs(['--quick'], d)).toMatchObject({ mode: 'quick', quick: true, outFile: join(d, 'bench.quick.json') });
    expect(parseBenchArgs(['--only', 'attention', '--backend', 'cpu'], d)).toMatchObject({ mode: 'only', only: 'attention', backend: 'cpu', outFile: join(d, 'bench.only.json') });
    mkdirSync(join(d, 'bench.json'));
    expectSpecError(() => parseBenchArgs([], d), FileAccessError, 'FILE_ACCESS', /bench\.json: cannot write the file \(a directory is in the way\)$/);
  });
});

describe('new-layer: reserved names, and a failed clean-up never hides the real error', () => {
  it('refuses names whose function name every object already has, or that JavaScript reserves', () => {
    for (const name of ['constructor', 'to-string', 'has-own-property', 'value-of', 'delete', 'class']) {
      expect(() => layerNames(name), name).toThrow(new RegExp(`^layer name "${name}" gives the function name "\\w+", a JavaScript reserved word or a member every object has`));
    }
    expect(() => layerNames('__proto__')).toThrow(/not kebab-case/);
    expect(layerNames('constructor-norm').camel).toBe('constructorNorm');
  });

  it('a write fails on the third file and removing the first fails too: the message leads with the real error, then lists what to clean up', () => {
    const d = folder();
    for (const p of ['src/reference', 'src/tfjs', 'scripts']) mkdirSync(join(d, p), { recursive: true });
    writeFileSync(join(d, 'scripts', 'export-fixtures.py'), '# fixtures\n# new-layer: stubs are inserted above this line (keep it)\n');
    mkdirSync(join(d, 'src', 'ops'));
    for (const [path, marker] of Object.entries(EDIT_MARKERS)) writeFileSync(join(d, path), `// ${path}\n${marker}\n`); // the files it edits, each with its marker
    const real: ScaffoldFs = { makeDirectory: (p) => mkdirSync(p), createFile: (p, c) => createFileAtomic(p, c), replaceFile: (p, c) => writeFileAtomic(p, c), remove: (p) => rmSync(p, { recursive: true, force: true }) };
    let created = 0;
    const faulty: ScaffoldFs = {
      ...real,
      createFile: (p, c) => {
        if (++created === 3) throw Object.assign(new Error('EIO: i/o error, open spec/probe-layer/probe-layer.golden.spec.ts'), { code: 'EIO' });
        real.createFile(p, c);
      },
      remove: (p) => {
        if (p.endsWith('src/reference/probe-layer.ts')) throw Object.assign(new Error(`EACCES: permission denied, unlink '${p}'`), { code: 'EACCES' });
        real.remove(p);
      },
    };
    let error: unknown;
    try {
      scaffoldLayer(d, 'probe-layer', faulty);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScaffoldError);
    expect((error as Error).message).toMatch(/^EIO: i\/o error, open spec\/probe-layer\/probe-layer\.golden\.spec\.ts; then the clean-up failed too — could not remove .*src\/reference\/probe-layer\.ts \(EACCES: permission denied/);
    expect(existsSync(join(d, 'src', 'tfjs', 'probe-layer.ts'))).toBe(false); // the rest was cleaned up
    expect(existsSync(join(d, 'spec', 'probe-layer'))).toBe(false);
    expect(readFileSync(join(d, 'scripts', 'export-fixtures.py'), 'utf8')).not.toContain('probe-layer');
    for (const path of Object.keys(EDIT_MARKERS)) expect(readFileSync(join(d, path), 'utf8'), path).not.toMatch(/probe/i); // edits are not left half-made
  });
});
