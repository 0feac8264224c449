/**
 * Coverage of the claims inventories: ../shared/CLAIMS.md (the project's checklist, kept outside
 * the project) and golden/inventory-added.md (the checkable statements the project found beyond it,
 * issue 16's list among them). golden/coverage.json says which claims encode each inventory item,
 * or why an item has none; the report lists every item with its claims or reason and the
 * implementations they ran on, and spec/registry/coverage.spec.ts fails when an item of either
 * inventory has neither.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, PROJECT_ROOT } from '../core/claims.js';
import { MalformedInputError } from '../core/errors.js';

export const INVENTORIES = {
  'CLAIMS.md': { path: join(PROJECT_ROOT, '..', 'shared', 'CLAIMS.md'), shown: '../shared/CLAIMS.md' },
  added: { path: join(GOLDEN_DIR, 'inventory-added.md'), shown: 'golden/inventory-added.md' },
} as const;
export type InventoryName = keyof typeof INVENTORIES;

export interface CoverageItem {
  inventory: InventoryName;
  section: string;
  text: string;
  claims: string[];
  /** Why the item has no claim (only when claims is empty). */
  reason?: string;
  implementations: string[];
}

export interface Coverage {
  /** The inventories read (those present beside the project). */
  sources: string[];
  items: CoverageItem[];
}

export interface CoverageEntry {
  /** Which inventory the item belongs to (default CLAIMS.md). */
  inventory?: InventoryName;
  section: string;
  startsWith: string;
  claims: string[];
  reason?: string;
}

interface CoverageFile {
  items: CoverageEntry[];
}

export const CLAIMS_MD = INVENTORIES['CLAIMS.md'].path;

export function readCoverageFile(): CoverageFile {
  const file = join(GOLDEN_DIR, 'coverage.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as CoverageFile;
  if (!Array.isArray(raw.items)) throw new MalformedInputError(`${file}: "items" must be a list`);
  for (const [i, item] of raw.items.entries()) {
    if (item.inventory !== undefined && !(item.inventory in INVENTORIES)) throw new MalformedInputError(`${file}: items[${i}].inventory must be one of ${Object.keys(INVENTORIES).join(', ')}`);
    if (!Array.isArray(item.claims)) throw new MalformedInputError(`${file}: items[${i}].claims must be a list (empty with a "reason" when no claim encodes the item)`);
  }
  return raw;
}

export const inventoryOf = (e: CoverageEntry): InventoryName => e.inventory ?? 'CLAIMS.md';

/** Claim ids matched by a pattern ("a.b.c" exactly, or "a.b.*" as a prefix). */
export function matchPattern(pattern: string, ids: readonly string[]): string[] {
  return pattern.endsWith('*') ? ids.filter((id) => id.startsWith(pattern.slice(0, -1))) : ids.filter((id) => id === pattern);
}

/** Inventory bullets as (section, full text): "## N. title" headings, "- " bullets, two-space continuations; null when the file is absent. */
export function readInventory(path = CLAIMS_MD): Array<{ section: string; text: string }> | null {
  if (!existsSync(path)) return null;
  const items: Array<{ section: string; text: string }> = [];
  let section: string | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const h = /^## (\d+)\. /.exec(line);
    if (h) section = `§${h[1]}`;
    else if (/^## /.test(line)) section = null;
    else if (section && line.startsWith('- ')) items.push({ section, text: line.slice(2).trim() });
    else if (section && /^ {2}\S/.test(line) && items.length) items[items.length - 1].text += ` ${line.trim()}`;
  }
  return items;
}

export function buildCoverage(claimIds: readonly string[], implementationsOf: (id: string) => string[]): Coverage {
  const map = readCoverageFile();
  const inventories = Object.fromEntries((Object.keys(INVENTORIES) as InventoryName[]).map((n) => [n, readInventory(INVENTORIES[n].path)])) as Record<InventoryName, ReturnType<typeof readInventory>>;
  const items = map.items.map((m): CoverageItem => {
    const inventory = inventoryOf(m);
    const text = inventories[inventory]?.find((i) => i.section === m.section && i.text.startsWith(m.startsWith))?.text ?? m.startsWith;
    const claims = m.claims.flatMap((p) => matchPattern(p, claimIds));
    return { inventory, section: m.section, text, claims, ...(m.reason ? { reason: m.reason } : {}), implementations: [...new Set(claims.flatMap(implementationsOf))] };
  });
  const sources = (Object.keys(INVENTORIES) as InventoryName[]).filter((n) => inventories[n]).map((n) => INVENTORIES[n].shown);
  return { sources, items };
}

/**
 * Everything wrong with the coverage map against the inventories: a bullet no item maps, an item
 * that maps no bullet, an item with neither claims nor a reason. Empty when coverage is complete.
 * Inventories that are absent (CLAIMS.md outside the project's workplace) are skipped.
 */
export function coverageGaps(
  entries: readonly CoverageEntry[],
  claimIds: readonly string[],
  inventories: Partial<Record<InventoryName, Array<{ section: string; text: string }> | null>>,
): string[] {
  const gaps: string[] = [];
  for (const [name, bullets] of Object.entries(inventories) as Array<[InventoryName, Array<{ section: string; text: string }> | null]>) {
    if (!bullets) continue;
    const mine = entries.filter((e) => inventoryOf(e) === name);
    for (const b of bullets) {
      const hits = mine.filter((e) => e.section === b.section && b.text.startsWith(e.startsWith));
      if (hits.length !== 1) gaps.push(`${name} ${b.section} "${b.text.slice(0, 60)}…" is mapped by ${hits.length} items of golden/coverage.json (expected 1)`);
    }
    for (const e of mine) if (!bullets.some((b) => b.section === e.section && b.text.startsWith(e.startsWith))) gaps.push(`golden/coverage.json item ${name} ${e.section} "${e.startsWith}" matches no bullet of ${INVENTORIES[name].shown}`);
  }
  for (const e of entries) {
    const claims = e.claims.flatMap((p) => matchPattern(p, claimIds));
    if (claims.length === 0 && !(typeof e.reason === 'string' && e.reason.trim().length >= 20)) gaps.push(`${inventoryOf(e)} ${e.section} "${e.startsWith}" has no claim and no recorded reason for having none`);
  }
  return gaps;
}
