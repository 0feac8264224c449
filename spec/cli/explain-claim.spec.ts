/**
 * `explain <claim-id>`: every worked example in golden/ explains step by step (document value
 * beside each implementation's value, rule, verdict) and exits 0; errata show what holds and why;
 * --json is one parsable object; an unknown id is a usage error with a suggestion.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/format.js';
import { loadClaims } from '../../src/core/claims.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('explain <claim-id>', () => {
  it('explains every worked example in golden/ with the document value beside the computed ones', async () => {
    const examples = loadClaims().filter((c) => c.kind === 'worked-example');
    expect(examples.length).toBeGreaterThan(20);
    for (const c of examples) {
      const r = await run(['explain', c.id]);
      expect(r.code, `${c.id}: ${r.err}`).toBe(0);
      expect(r.out).toContain(c.id);
      expect(r.out).toContain('the document says');
      expect(r.out).toContain('reference (float64)');
      expect(r.out).toContain(`verdict  ${c.verdict}`);
      for (const check of c.checks) expect(r.out).toContain(check.label);
    }
  });

  it('shows an erratum with what the document says, the criterion and why, what holds, and the worked calculation', async () => {
    const r = await run(['explain', 'course.attention.i-love-cats.output-two-decimals']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/the document says\s+"roughly" \[0\.58, 0\.85\]/);
    expect(r.out).toMatch(/criterion\s+rounds to \[0\.58, 0\.85\] at the printed precision — "roughly" marks a rounded number/);
    expect(r.out).toMatch(/what holds\s+rounds to \[0\.58, 0\.84\]/);
    expect(r.out).toContain('why ');
    expect(r.out).toMatch(/worked calculation\n  1\. second coordinate: 2e\/\(1\+2e\)/);
  });

  it('labels a check whose value the document did not print as derived', async () => {
    const d = await run(['explain', 'course.attention.i-love-cats.denominator']);
    expect(d.out).toMatch(/denominatorExactE[^\n]*\n\s+the document says\s+— \(derived: the document printed no value for this check\)/);
  });

  it('--json prints the claim and its outcomes as one object', async () => {
    const r = await run(['explain', 'interview.attention.qkt', '--json']);
    const parsed = JSON.parse(r.out) as { claim: { id: string }; outcomes: Array<{ impl: string; confirmed: boolean }> };
    expect(parsed.claim.id).toBe('interview.attention.qkt');
    expect(parsed.outcomes.map((o) => o.impl).sort()).toEqual(['high-precision', 'reference', 'tfjs']);
    expect(parsed.outcomes.every((o) => o.confirmed)).toBe(true);
  });

  it('an unknown claim id exits 2 with a suggestion', async () => {
    const r = await run(['explain', 'course.attention.i-love-cats.weight']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no claim with id "course\.attention\.i-love-cats\.weight" \(did you mean course\.attention\.i-love-cats\.weights\?\)/);
  });
});
