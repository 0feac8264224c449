/**
 * `transformer-spec verify` (what `npm start` runs): every golden claim on every implementation it
 * lists — the float64 reference, the 64-digit BigNumber oracle and TensorFlow.js on the best
 * available backend — judged against its record. Prints a table, writes report/claims.json, and
 * exits 1 if any derived verdict differs from the one recorded in golden/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../core/backend.js';
import { loadClaims, PROJECT_ROOT, type GoldenClaim, type ImplName } from '../core/claims.js';
import { DOCUMENTS } from '../core/documents.js';
import type { ClaimOutcome } from '../core/verdict.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../ops/implementations.js';
import { implementationsOf, runClaim } from '../claims/run.js';
import { buildCoverage } from '../report/coverage.js';
import { buildFigures } from '../report/figures.js';
import { renderHtml, renderMarkdown } from '../report/render.js';
import type { ClaimReport, VerifyReport } from '../report/types.js';

export type { ClaimReport, VerifyReport } from '../report/types.js';

export async function verifyClaims(filter?: (c: GoldenClaim) => boolean): Promise<VerifyReport> {
  const backend = await initBackend();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const impls: Record<ImplName, ArrayImpl<any>> = { reference: referenceImpl, 'high-precision': highPrecisionImpl, tfjs: tfjsImpl(backend) };
  const claims = loadClaims().filter(filter ?? (() => true));
  const reports: ClaimReport[] = [];
  for (const claim of claims) {
    const outcomes: ClaimOutcome[] = [];
    for (const name of implementationsOf(claim)) outcomes.push(await runClaim(claim, impls[name])); // one at a time: tfjs calls must not overlap
    reports.push({
      id: claim.id,
      topic: claim.topic,
      inventory: claim.inventory,
      citation: [{ document: claim.document, section: claim.section }, ...(claim.alsoIn ?? [])].map((c) => ({ ...c, title: DOCUMENTS[c.document].title })),
      title: claim.title,
      statement: claim.statement,
      kind: claim.kind,
      assumptions: claim.assumptions,
      verdict: claim.verdict,
      erratum: claim.erratum,
      confirmed: outcomes.every((o) => o.confirmed),
      outcomes,
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    backend,
    totals: {
      claims: reports.length,
      confirmed: reports.filter((r) => r.confirmed).length,
      holds: reports.filter((r) => r.verdict === 'holds').length,
      holdsUnderAssumption: reports.filter((r) => r.verdict === 'holds-under-assumption').length,
      errata: reports.filter((r) => r.verdict === 'erratum').length,
      runs: reports.reduce((s, r) => s + r.outcomes.length, 0),
    },
    claims: reports,
  };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const fmtErr = (e: number | null) => (e === null ? '—' : e === 0 ? '0' : e.toExponential(1));

export function formatTable(report: VerifyReport): string {
  const rows = report.claims.map((c) => {
    const ref = c.outcomes.find((o) => o.impl === 'reference') ?? c.outcomes[0];
    const first = ref.checks[0];
    const printedVsComputed = first ? `${first.label}: ${first.expected} ⇢ ${first.computed}` : ref.error ?? '';
    const impls = c.outcomes.map((o) => `${o.impl === 'high-precision' ? 'bignum' : o.impl === 'tfjs' ? `tfjs/${o.backend}` : 'ref'}${o.confirmed ? '' : `✗(${o.derived})`}`).join(' ');
    const maxErr = c.outcomes.map((o) => fmtErr(o.maxError)).join('/');
    return [c.confirmed ? '✓' : '✗', c.id, `${c.citation[0].document}: ${clip(c.citation[0].section, 38)}`, c.verdict, clip(printedVsComputed, 64), maxErr, impls];
  });
  const head = ['', 'claim id', 'source', 'verdict', 'printed ⇢ computed (first check, reference)', 'max |Δ| ref/…', 'implementations'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

function usage(): string {
  return 'usage: transformer-spec verify [--json] [--out DIR] [--only PREFIX]\n  --json        print the report as JSON on stdout instead of the table\n  --out DIR     where to write claims.json (default: report/)\n  --only PREFIX run only claims whose id starts with PREFIX';
}

export async function runVerify(argv: string[]): Promise<number> {
  let json = false;
  let out = join(PROJECT_ROOT, 'report');
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--out' || a === '--only') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) {
        console.error(`error: ${a} needs a value\n${usage()}`);
        return 2;
      }
      if (a === '--out') out = v;
      else only = v;
    } else if (a === '--help' || a === '-h') {
      console.log(usage());
      return 0;
    } else {
      console.error(`error: unknown option ${a}\n${usage()}`);
      return 2;
    }
  }
  const started = performance.now();
  const report = await verifyClaims(only ? (c) => c.id.startsWith(only) : undefined);
  if (only && report.claims.length === 0) {
    console.error(`error: no claim id starts with "${only}"`);
    return 2;
  }
  mkdirSync(out, { recursive: true });
  const file = join(out, 'claims.json');
  writeFileSync(file, JSON.stringify(report, null, 2));
  const written = [file];
  if (!only) {
    // The human-readable report covers the whole registry, so it is written only for full runs.
    const figures = await buildFigures();
    const coverage = buildCoverage(report.claims.map((c) => c.id), (id) => report.claims.find((c) => c.id === id)!.outcomes.map((o) => (o.impl === 'tfjs' ? `tfjs/${o.backend}` : o.impl)));
    writeFileSync(join(out, 'index.html'), renderHtml(report, figures, coverage));
    writeFileSync(join(out, 'report.md'), renderMarkdown(report, figures, coverage));
    written.push(join(out, 'index.html'), join(out, 'report.md'));
  }
  const t = report.totals;
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`transformer-spec verify — tfjs backend: ${report.backend.summary}\n`);
    console.log(formatTable(report));
    console.log(
      `\n${t.claims} claims (${t.holds} hold, ${t.holdsUnderAssumption} hold under a stated assumption, ${t.errata} errata); ${t.runs} implementation runs; ${t.confirmed}/${t.claims} verdicts confirmed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const c of report.claims.filter((x) => !x.confirmed)) {
      for (const o of c.outcomes.filter((x) => !x.confirmed)) {
        console.log(`\n✗ ${c.id} on ${o.impl}${o.impl === 'tfjs' ? `/${o.backend}` : ''}: recorded ${o.recorded}, derived ${o.derived}${o.error ? ` — ${o.error}` : ''}`);
        for (const ch of o.checks.filter((k) => !k.result.ok)) console.log(`    ${ch.label}: ${ch.result.detail}${ch.correct ? ` | against the correct value: ${ch.correct.result.ok ? 'ok' : ch.correct.result.detail}` : ''}`);
      }
    }
    console.log(`\nreport written to ${written.join(', ')}`);
  }
  return t.confirmed === t.claims ? 0 : 1;
}
