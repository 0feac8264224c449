/**
 * Reading what a user hands over (src/core/files.ts): only regular files, each kind under its size
 * cap, and every file-system failure a FileAccessError — exit 2 with one line naming the option,
 * the path and the reason — on every command (issue 14, findings 2 and 6). Before, /dev/zero was
 * read until memory ran out, a FIFO blocked forever, and `verify` called a file-system failure an
 * "internal error" (exit 1) while `forward` exited 2.
 *
 * All in this worker: a FIFO is opened without blocking, so a regression would hang this file
 * until its timeout rather than pass.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';
import { FileAccessError, ResourceLimitError } from '../../src/core/errors.js';
import { openRegularFile, readRegularFile, readRegularText } from '../../src/core/files.js';
import { expectUsageFailure } from '../_helpers/cli.js';
import { withEnv } from '../_helpers/env.js';
import { expectSpecError } from '../_helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'transformer-spec-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'pipe');
execFileSync('mkfifo', [fifo]);
const folder = join(dir, 'a-folder');
mkdirSync(folder);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CONFIG = join(PROJECT_ROOT, 'examples', 'tinygpt.config.json');
const WEIGHTS = join(PROJECT_ROOT, 'fixtures', 'models', 'tinygpt.safetensors');
const forward = (config: string, weights: string) => ['forward', '--model', 'tinygpt', '--config', config, '--weights', weights, '--tokens', '[1,2]'];

describe('only regular files are read', () => {
  it('a FIFO, a character device and a directory: FileAccessError naming what the path is (no read, no block)', () => {
    const cases: Array<[string, RegExp]> = [
      [fifo, /\(it is a FIFO, a named pipe; only regular files are read\)$/],
      ['/dev/zero', /\(it is a character device; only regular files are read\)$/],
      [folder, /\(it is a directory\)$/],
      [join(dir, 'absent'), /\(no such file\)$/],
    ];
    for (const [path, why] of cases) {
      expectSpecError(() => openRegularFile(path), FileAccessError, 'FILE_ACCESS', new RegExp(`^${escape(path)}: cannot read the file ${why.source}`));
      expectSpecError(() => readRegularText(path, 'configBytes'), FileAccessError, 'FILE_ACCESS', why);
    }
  });

  it('each option of each command: exit 2, one line naming the option and the path', async () => {
    await expectUsageFailure(forward(CONFIG, fifo), new RegExp(`^error: --weights ${escape(fifo)}: cannot read the file \\(it is a FIFO`));
    await expectUsageFailure(forward(CONFIG, '/dev/zero'), /^error: --weights \/dev\/zero: cannot read the file \(it is a character device/);
    await expectUsageFailure(forward('/dev/zero', WEIGHTS), /^error: --config \/dev\/zero: cannot read the file \(it is a character device/);
    await expectUsageFailure(forward(fifo, WEIGHTS), /^error: --config .*pipe: cannot read the file \(it is a FIFO/);
    await expectUsageFailure(['params', '/dev/zero'], /^error: \/dev\/zero: cannot read the file \(it is a character device/);
    await expectUsageFailure(['params', '--weights', fifo], /^error: --weights .*pipe: cannot read the file \(it is a FIFO/);
    await expectUsageFailure(['metrics', 'bleu', '--candidates', fifo, '--references', fifo], /^error: --candidates .*pipe: cannot read the file \(it is a FIFO/);
    await expectUsageFailure(['generate', '--model', 'tinygpt', '--config', CONFIG, '--weights', '/dev/zero', '--prompt', 'J'], /^error: --weights \/dev\/zero: cannot read the file/);
  });
});

describe('a size cap per kind of file', () => {
  it('a config over TRANSFORMER_SPEC_MAX_CONFIG_BYTES is refused before it is read; under it, read', async () => {
    const big = join(dir, 'padded.json');
    writeFileSync(big, `${JSON.stringify({ vocab_size: 48, block_size: 16, n_embed: 32, n_head: 4, n_layer: 2 })}${' '.repeat(200)}`); // 269 bytes
    await withEnv('TRANSFORMER_SPEC_MAX_CONFIG_BYTES', '128', async () => {
      expectSpecError(() => readRegularFile(big, 'configBytes'), ResourceLimitError, 'OVER_LIMIT', /padded\.json is 269 bytes, more than the size limit for config files of 128 bytes; raise it with TRANSFORMER_SPEC_MAX_CONFIG_BYTES=SIZE$/);
      await expectUsageFailure(forward(big, WEIGHTS), /^error: --config .*padded\.json is 269 bytes, more than the size limit for config files/);
      await expectUsageFailure(['params', big], /padded\.json is 269 bytes, more than the size limit for config files/);
    });
    expect(readRegularText(big, 'configBytes').trimEnd()).toMatch(/"n_layer":2}$/);
  });

  it('a sentence file over TRANSFORMER_SPEC_MAX_TEXT_BYTES is refused', async () => {
    const text = join(dir, 'sentences.txt');
    writeFileSync(text, 'the cat sat on the mat\n'.repeat(10));
    await withEnv('TRANSFORMER_SPEC_MAX_TEXT_BYTES', '100', async () => {
      await expectUsageFailure(['metrics', 'rouge', '--candidates', text, '--references', text], /^error: --candidates .*sentences\.txt is 230 bytes, more than the size limit for text files of 100 bytes/);
    });
  });
});

describe('file-system failures on output are named errors with the bad-input exit code', () => {
  it('verify --out /proc/x fails at once (Node’s recursive mkdir loops forever on it) with exit 2', async () => {
    const started = performance.now();
    await expectUsageFailure(['verify', '--out', '/proc/transformer-spec-x'], /^error: \/proc\/transformer-spec-x: cannot create the folder \(no such file\)$/);
    expect(performance.now() - started).toBeLessThan(10_000); // checked before any claim runs
  });

  it('verify --out a path under a file: exit 2 naming the file in the way, before any claim runs', async () => {
    const aFile = join(dir, 'plain-file');
    writeFileSync(aFile, 'x');
    await expectUsageFailure(['verify', '--only', 'course.attention.i-love-cats.weights', '--out', join(aFile, 'report')], new RegExp(`^error: ${escape(aFile)}: cannot use it as a folder \\(it is a file\\)$`));
  });
});
