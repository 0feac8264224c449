/**
 * Every error the project throws is a named SpecError subclass (src/core/errors.ts): its `code` is
 * stable for callers and specs, its message names the problem. A plain `throw new Error(…)` (or
 * TypeError, RangeError) anywhere under src/ fails this spec with the file and line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/core/claims.js';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('named errors', () => {
  it('no source file under src/ throws a plain Error, TypeError or RangeError', () => {
    const plain: string[] = [];
    for (const file of sources(join(PROJECT_ROOT, 'src'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bthrow new (Error|TypeError|RangeError)\(/.test(line)) plain.push(`${relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(plain).toEqual([]);
  });

  it('the check itself sees a plain throw (a line written the way it looks for)', () => {
    expect(/\bthrow new (Error|TypeError|RangeError)\(/.test("  throw new Error('x');")).toBe(true);
    expect(/\bthrow new (Error|TypeError|RangeError)\(/.test("  throw new ShapeError('x');")).toBe(false);
  });
});
