/**
 * Coverage of the claims inventory (../shared/CLAIMS.md): golden/coverage.json says which claims
 * encode each inventory item; the report lists every item with its claims and the
 * implementations they ran on, so what is not encoded yet is visible.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, PROJECT_ROOT } from '../core/claims.js';
import { MalformedInputError } from '../core/errors.js';

export interface CoverageItem {
  section: string;
  text: string;
  claims: string[];
  implementations: string[];
}

export interface Coverage {
  source: string | null;
  items: CoverageItem[];
}

interface CoverageFile {
  items: Array<{ section: string; startsWith: string; claims: string[] }>;
}

export const CLAIMS_MD = join(PROJECT_ROOT, '..', 'shared', 'CLAIMS.md');

export function readCoverageFile(): CoverageFile {
  const file = join(GOLDEN_DIR, 'coverage.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as CoverageFile;
  if (!Array.isArray(raw.items)) throw new MalformedInputError(`${file}: "items" must be a list`);
  return raw;
}

/** Claim ids matched by a pattern ("a.b.c" exactly, or "a.b.*" as a prefix). */
export function matchPattern(pattern: string, ids: readonly string[]): string[] {
  return pattern.endsWith('*') ? ids.filter((id) => id.startsWith(pattern.slice(0, -1))) : ids.filter((id) => id === pattern);
}

/** Inventory bullets of CLAIMS.md as (section, full text); null when the file is not beside the project. */
export function readInventory(path = CLAIMS_MD): Array<{ section: string; text: string }> | null {
  if (!existsSync(path)) return null;
  const items: Array<{ section: string; text: string }> = [];
  let section: string | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const h = /^## (\d+)\. /.exec(line);
    if (h) section = `§${h[1]}`;
    else if (section && line.startsWith('- ')) items.push({ section, text: line.slice(2).trim() });
    else if (section && /^ {2}\S/.test(line) && items.length) items[items.length - 1].text += ` ${line.trim()}`;
  }
  return items;
}

export function buildCoverage(claimIds: readonly string[], implementationsOf: (id: string) => string[]): Coverage {
  const map = readCoverageFile();
  const inventory = readInventory();
  const items = map.items.map((m) => {
    const text = inventory?.find((i) => i.section === m.section && i.text.startsWith(m.startsWith))?.text ?? m.startsWith;
    const claims = m.claims.flatMap((p) => matchPattern(p, claimIds));
    return { section: m.section, text, claims, implementations: [...new Set(claims.flatMap(implementationsOf))] };
  });
  return { source: inventory ? '../shared/CLAIMS.md' : null, items };
}
