/**
 * The README's claim counts and errata table are the registry's (src/report/readme-tables.ts):
 * a claim added, regraded or removed without `npm run readme:tables` fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaims, PROJECT_ROOT } from '../../src/core/claims.js';
import { block, countsLine, errataTable } from '../../src/report/readme-tables.js';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const claims = loadClaims();

describe('README figures from the registry', () => {
  it('the claim counts are the registry\'s', () => {
    expect(readme).toContain(block('counts', countsLine(claims)));
  });

  it('the errata table lists every erratum with what the document says and what holds', () => {
    expect(readme).toContain(block('errata', errataTable(claims)));
    expect(errataTable(claims).split('\n').length - 2).toBe(claims.filter((c) => c.verdict === 'erratum').length);
  });
});
