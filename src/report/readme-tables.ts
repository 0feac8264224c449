/**
 * The README's figures about the claims, derived from the registry (golden/) rather than typed by
 * hand: the verdict counts and the errata table. `npm run readme:tables` prints both blocks;
 * spec/report/readme.spec.ts fails when the README's copy between the markers differs, so a new or
 * regraded claim cannot leave the README behind.
 */
import { documentSays } from '../core/check-text.js';
import type { GoldenClaim } from '../core/claims.js';

export const MARKERS = {
  counts: ['<!-- claims:counts -->', '<!-- /claims:counts -->'],
  errata: ['<!-- claims:errata -->', '<!-- /claims:errata -->'],
} as const;

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** "142 claims: 82 hold, 34 hold under a stated assumption, 26 errata (2 judged from recorded runs)". */
export function countsLine(claims: readonly GoldenClaim[]): string {
  const n = (v: string) => claims.filter((c) => c.verdict === v).length;
  const recorded = claims.filter((c) => c.kind === 'reproduction').length;
  return `${claims.length} claims: ${n('holds')} hold, ${n('holds-under-assumption')} hold under a stated assumption, ${n('erratum')} errata${recorded ? `; ${recorded} of the claims are judged from recorded training runs` : ''}`;
}

/** One row per erratum: what the document says (its refuted checks) and what holds. */
export function errataTable(claims: readonly GoldenClaim[]): string {
  const rows = claims
    .filter((c) => c.verdict === 'erratum')
    .map((c) => {
      const said = [...new Set(c.checks.filter((k) => k.correct).map((k) => documentSays(k)!))].join('; ');
      return `| \`${c.id}\` | ${cell(said)} | ${cell(c.erratum!.correction)} |`;
    });
  return ['| claim id | the document says | what holds |', '|---|---|---|', ...rows].join('\n');
}

/** The README block between a pair of markers, markers included. */
export function block(kind: keyof typeof MARKERS, body: string): string {
  const [open, close] = MARKERS[kind];
  return `${open}\n${body}\n${close}`;
}
