/**
 * `transformer-spec explain <claim-id>`: one claim, step by step — where the documents make it,
 * what they say, the assumptions, the inputs, then every check with what the document says (or
 * that the value is derived), the criterion and why, the value each implementation computed, the
 * tolerance rule that decided it, and the verdict (with the erratum's correct value, explanation
 * and worked calculation). `--json` prints the same as one object.
 */
import { initBackend, isBrowserBackend, parseBackendChoice } from '../core/backend.js';
import { openBrowserBackend } from './tfjs-backend.js';
import { loadClaims, type GoldenClaim, type ImplName } from '../core/claims.js';
import { DOCUMENTS } from '../core/documents.js';
import type { ClaimOutcome } from '../claims/verdict.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../ops/implementations.js';
import { implementationsOf, runClaim } from '../claims/run.js';
import { parseArgs, suggest, UsageError } from './args.js';
import type { Io } from './format.js';

const LABEL: Record<ImplName, string> = { reference: 'reference (float64)', 'high-precision': 'BigNumber (64 digits)', tfjs: 'tfjs' };

export function isClaimId(topic: string): boolean {
  return /^[a-z]+\.[a-z0-9-]+\./.test(topic);
}

export async function explainClaim(id: string, argv: readonly string[], io: Io): Promise<number> {
  const { options, positionals } = parseArgs(argv, { json: { type: 'boolean' } } as const, `explain ${id}`);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" for \`explain ${id}\` (it takes only --json)`);
  const claims = loadClaims();
  const claim = claims.find((c) => c.id === id);
  if (!claim) {
    const hint = suggest(id, claims.map((c) => c.id));
    throw new UsageError(`no claim with id "${id}"${hint ? ` (did you mean ${hint}?)` : ''}; list them with \`transformer-spec explain --list\``);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const impls: Partial<Record<ImplName, ArrayImpl<any>>> = { reference: referenceImpl, 'high-precision': highPrecisionImpl };
  const outcomes: ClaimOutcome[] = [];
  const browser = parseBackendChoice(process.env.TFJS_BACKEND);
  if (browser && isBrowserBackend(browser)) {
    // tfjs's GPU backends judge the claim in headless Chromium (src/browser/runner.ts), as npm start does
    const { backend: b, close } = await openBrowserBackend(browser);
    try {
      for (const name of implementationsOf(claim)) outcomes.push(name === 'tfjs' ? await b.runClaim(claim) : await runClaim(claim, impls[name]!));
    } finally {
      await close();
    }
  } else {
    if (implementationsOf(claim).includes('tfjs')) impls.tfjs = tfjsImpl(await initBackend());
    for (const name of implementationsOf(claim)) outcomes.push(await runClaim(claim, impls[name]!)); // one at a time: tfjs calls must not overlap
  }
  if (options.json) {
    io.out(JSON.stringify({ claim, outcomes }, null, 2));
  } else {
    io.out(describe(claim, outcomes));
  }
  // a reproduction claim without its recorded run is not judged: not a failure (golden/README.md, rule 6)
  return outcomes.every((o) => o.confirmed || o.derived === 'not-judged') ? 0 : 1;
}

function describe(c: GoldenClaim, outcomes: ClaimOutcome[]): string {
  const lines: string[] = [];
  lines.push(`${c.id} — ${c.title}`, '');
  const cites = [{ document: c.document, section: c.section }, ...(c.alsoIn ?? [])];
  for (const [i, x] of cites.entries()) lines.push(`${i === 0 ? 'source ' : 'also in'}  ${DOCUMENTS[x.document].title} — ${x.section}`);
  lines.push(`inventory CLAIMS.md ${c.inventory}; kind: ${c.kind}`, '', `claim    ${c.statement}`);
  for (const a of c.assumptions) lines.push(`assumes  ${a}`);
  if (c.inputs) lines.push(`inputs   ${JSON.stringify(c.inputs)}`);
  if (c.verdict === 'erratum') lines.push('', 'For an erratum, ✓ means the computed value agrees with what holds (and so refutes what the document says).');
  lines.push('');
  c.checks.forEach((check, n) => {
    const first = outcomes[0]?.checks.find((k) => k.label === check.label);
    lines.push(`${n + 1}. ${check.label}${check.note ? `  (${check.note})` : ''}`);
    lines.push(`   the document says  ${first ? (first.document ?? '— (derived: the document printed no value for this check)') : '?'}`);
    if (first) lines.push(`   criterion          ${first.criterion} — ${first.why}`);
    if (first?.correct) lines.push(`   what holds         ${first.correct.criterion}`);
    for (const o of outcomes) {
      const k = o.checks.find((x) => x.label === check.label);
      if (!k) continue;
      const verdictOk = c.verdict === 'erratum' && k.correct ? k.correct.result.ok : k.result.ok;
      const err = k.result.maxError !== null ? `  max |Δ| ${k.result.maxError.toExponential(2)}` : '';
      lines.push(`   ${(o.impl === 'tfjs' ? `tfjs (${o.backend})` : LABEL[o.impl]).padEnd(22)} ${k.computed}  ${verdictOk ? '✓' : '✗'}${err}`);
      if (!k.result.ok && !(c.verdict === 'erratum' && k.correct?.result.ok)) lines.push(`   ${''.padEnd(22)} ${k.result.detail}`);
    }
    if (first) lines.push(`   rule               ${first.result.rule}`);
    lines.push('');
  });
  lines.push(`verdict  ${c.verdict}${c.assumptions.length && c.verdict !== 'erratum' ? ' (under the stated assumption)' : ''}`);
  for (const o of outcomes) lines.push(`         ${(o.impl === 'tfjs' ? `tfjs (${o.backend})` : LABEL[o.impl]).padEnd(22)} derived ${o.derived} ${o.confirmed ? '✓' : o.derived === 'not-judged' ? '○' : '✗'}${o.error ? ` — ${o.error}` : ''}${o.notJudged ? ` — ${o.notJudged}` : ''}`);
  if (c.erratum) {
    lines.push('', `why      ${c.erratum.explanation}`, '', 'worked calculation');
    c.erratum.worked.forEach((l, i) => lines.push(`  ${i + 1}. ${l}`));
  }
  return lines.join('\n');
}
