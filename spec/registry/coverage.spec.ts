/**
 * Coverage of the inventories is complete: every bullet of ../shared/CLAIMS.md and of
 * golden/inventory-added.md (issue 16's statements among them) is mapped by golden/coverage.json
 * to at least one claim, or to a recorded reason for having none. The check is a function
 * (coverageGaps) so that a gap can be shown to fail it.
 */
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/core/claims.js';
import { coverageGaps, INVENTORIES, inventoryOf, matchPattern, readCoverageFile, readInventory } from '../../src/report/coverage.js';

const ids = loadClaims().map((c) => c.id);
const entries = readCoverageFile().items;
const inventories = { 'CLAIMS.md': readInventory(INVENTORIES['CLAIMS.md'].path), added: readInventory(INVENTORIES.added.path) };

describe('coverage of the inventories', () => {
  it('every bullet of CLAIMS.md and of golden/inventory-added.md has a claim or a recorded reason', () => {
    expect(inventories.added, 'golden/inventory-added.md is part of the project').not.toBeNull();
    expect(coverageGaps(entries, ids, inventories)).toEqual([]);
  });

  it('every statement issue 16 lists is in the added inventory and encoded by a claim (not only a reason)', () => {
    const issue = inventories.added!.filter((b) => b.text.includes('(issue 16)'));
    expect(issue.length).toBe(18);
    for (const b of issue) {
      const entry = entries.find((e) => inventoryOf(e) === 'added' && e.section === b.section && b.text.startsWith(e.startsWith))!;
      expect(entry.claims.flatMap((p) => matchPattern(p, ids)).length, b.text).toBeGreaterThan(0);
    }
  });

  it('fails for a bullet nobody mapped, an item with neither claims nor reason, and an item matching no bullet', () => {
    const extra = { section: '§8', text: 'course: a new statement nobody encoded' };
    const gaps = coverageGaps(
      [...entries, { inventory: 'added', section: '§9', startsWith: 'nothing like this', claims: ['no.such.claim'] }],
      ids,
      { ...inventories, added: [...inventories.added!, extra] },
    );
    expect(gaps.some((g) => g.includes('a new statement nobody encoded') && g.includes('mapped by 0 items'))).toBe(true);
    expect(gaps.some((g) => g.includes('"nothing like this" has no claim and no recorded reason'))).toBe(true);
    expect(gaps.some((g) => g.includes('"nothing like this" matches no bullet'))).toBe(true);
  });
});
