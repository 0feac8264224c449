/**
 * The verification report as one self-contained HTML page (inline CSS and SVG, no scripts, no
 * network) and as Markdown. Every claim has a stable anchor equal to its id, so a course or a
 * review can link to `report/index.html#course.attention.i-love-cats.weights`.
 */
import type { ClaimReport, RecordedCheck, VerifyReport } from './types.js';
import { mutationRows, scoresOfClaim, type MutationReport, type MutationRow } from './mutation.js';
import { PROPERTIES_BEHIND_CLAIMS } from './properties.js';
import { DOCUMENTS } from '../core/documents.js';
import type { ClaimOutcome } from '../claims/verdict.js';
import type { Coverage } from './coverage.js';
import type { Figure } from './figures.js';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const implLabel = (o: ClaimOutcome) => (o.impl === 'tfjs' ? `tfjs (${o.backend})` : o.impl === 'high-precision' ? 'BigNumber (64 digits)' : 'reference (float64)');
const verdictText: Record<string, string> = { holds: 'holds', 'holds-under-assumption': 'holds under an assumption', erratum: 'erratum' };
const fmtErr = (e: number | null) => (e === null ? '—' : e === 0 ? '0' : e.toExponential(1));

/** What a report that is not the full one says about itself (empty for a full run). */
export function scopeNote(report: VerifyReport): string {
  const s = report.scope;
  if (!s || s.kind === 'full') return '';
  if (s.kind === 'subset') return `Partial report: only the ${s.claims} of ${s.registry} claims whose id starts with "${s.only}".`;
  return `Degraded report: ${new Set(s.couldNotRun.map((x) => x.id)).size} claims could not be evaluated (first: ${s.couldNotRun[0].id}: ${s.couldNotRun[0].error}). The full report is kept beside it.`;
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header,main{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}h2{margin-top:40px;border-bottom:2px solid #d0d7de;padding-bottom:4px}h3{margin:0 0 6px;font-size:16px}
nav a{margin-right:14px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:24px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.holds{background:#dafbe1;color:#116329}.holds-under-assumption{background:#fff8c5;color:#7d4e00}.erratum{background:#ffebe9;color:#a40e26}
.unconfirmed{background:#a40e26;color:#fff}
.derived{background:#eaeef2;color:#57606a;font-weight:500}
.notjudged-badge{background:#eaeef2;color:#24292f}
.notjudged{background:#f6f8fa;border-left:4px solid #8c959f;padding:6px 10px}
.assumptions{background:#fff8c5;border-left:4px solid #d4a72c;padding:4px 10px;margin:8px 0}
.assumptions ul,.worked ol{margin:4px 0 4px 18px;padding:0}
.worked{background:#f6f8fa;border-left:4px solid #0969da;padding:4px 10px;margin:8px 0}
.claim{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:12px 0}
.claim:target{outline:3px solid #0969da}
.cite{color:#57606a;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;word-break:break-word}
figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:12px 0;padding:12px;display:inline-block;vertical-align:top;max-width:100%}
figure svg{max-width:100%;height:auto}
figcaption{font-size:13px;color:#57606a;max-width:520px}
.ok{color:#116329}.bad{color:#a40e26}
`;

/** The check outcome whose "what the document says" and criterion the report shows (they come from the record, the same on every implementation). */
const recordSide = (c: ClaimReport): RecordedCheck[] => c.checks;
const derivedTag = '<span class="badge derived" title="the document printed no value for this check: the project derived it">derived</span>';

/** "the document says" cell: the document's printed value or restatement, or "—" for a derived check. */
const saysCell = (k: RecordedCheck) => (k.document !== null ? `<td>${esc(k.document)}</td>` : '<td class="cite">— (not printed by the document)</td>');
/** The criterion applied and why, plus the tolerance the judge used on the first implementation. */
const criterionCell = (k: RecordedCheck) => `<td><code>${esc(k.criterion)}</code><br><span class="cite">${esc(k.why)}</span></td>`;

function checksTable(c: ClaimReport): string {
  const erratum = c.verdict === 'erratum';
  const head = `<tr><th>check</th><th>the document says</th><th>criterion (and why)</th>${erratum ? '<th>what holds</th>' : ''}${c.outcomes.map((o) => `<th>computed — ${esc(implLabel(o))}</th>`).join('')}</tr>`;
  const rows = recordSide(c).map((first) => {
    const cells = c.outcomes.map((o) => {
      const k = o.checks.find((x) => x.label === first.label);
      if (!k) return '<td>—</td>';
      const good = erratum && k.correct ? k.correct.result.ok : k.result.ok;
      return `<td><code>${esc(k.computed)}</code> <span class="${good ? 'ok' : 'bad'}">${good ? '✓' : '✗'}</span>${k.result.maxError !== null ? `<br><span class="cite">max |Δ| ${fmtErr(k.result.maxError)}</span>` : ''}<br><span class="cite">${esc(k.result.rule)}</span></td>`;
    });
    const label = `<td><code>${esc(first.label)}</code>${first.document === null ? ` ${derivedTag}` : ''}${first.note ? `<br><span class="cite">${esc(first.note)}</span>` : ''}</td>`;
    return `<tr>${label}${saysCell(first)}${criterionCell(first)}${erratum ? `<td>${first.correct ? `<code>${esc(first.correct.criterion)}</code>` : '—'}</td>` : ''}${cells.join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function citation(c: ClaimReport): string {
  return c.citation.map((x) => `<i>${esc(x.title)}</i> — ${esc(x.section)}`).join('; also in ');
}

function assumptionsBlock(c: ClaimReport): string {
  if (!c.assumptions.length) return '';
  return `<div class="assumptions"><b>Assumption${c.assumptions.length > 1 ? 's' : ''}</b> (the verdict holds only with ${c.assumptions.length > 1 ? 'these' : 'this'}):<ul>${c.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul></div>`;
}

/** Where a reproduction claim's evidence comes from, or that it is absent. */
function evidenceBlock(c: ClaimReport): string {
  const e = c.evidence;
  if (!e) return '';
  if (!e.present) return `<p class="notjudged"><b>Not judged:</b> no recorded run (<code>${esc(e.file)}</code> is absent). Record one with <code>${esc(e.command)}</code>; until then this verdict is neither confirmed nor refuted.</p>`;
  const why = c.notJudged ? c.outcomes.find((o) => o.notJudged)?.notJudged : undefined;
  return `<p class="${why ? 'notjudged' : 'cite'}"><b>Evidence:</b> <code>${esc(e.file)}</code> — seed ${esc(e.seed ?? '?')}, ${esc(e.steps ?? '?')} steps, backend ${esc(e.backend ?? '?')}, recorded ${esc(e.recordedAt ?? '?')}${e.trainingSeconds !== undefined ? `, ${esc(e.trainingSeconds.toFixed(0))} s of training` : ''}.${why ? ` <b>Not judged:</b> ${esc(why)}` : ''}</p>`;
}

function workedBlock(c: ClaimReport): string {
  return c.erratum?.worked?.length ? `<div class="worked"><b>Worked calculation</b><ol>${c.erratum.worked.map((l) => `<li>${esc(l)}</li>`).join('')}</ol></div>` : '';
}

function badge(c: ClaimReport): string {
  if (c.notJudged) return ' <span class="badge notjudged-badge">not judged (no recorded run)</span>';
  return c.confirmed ? '' : ' <span class="badge unconfirmed">verdict NOT confirmed</span>';
}

function claimSection(c: ClaimReport, rows: readonly MutationRow[] = []): string {
  const scores = scoresOfClaim(rows, c.id);
  return `<section class="claim" id="${esc(c.id)}">
<h3><a href="#${esc(c.id)}">${esc(c.id)}</a> <span class="badge ${c.verdict}">${verdictText[c.verdict]}</span>${badge(c)}</h3>
<div><b>${esc(c.title)}</b></div>
<div class="cite">${citation(c)} · CLAIMS.md ${esc(c.inventory)} · ${esc(c.kind)}</div>
<p>${esc(c.statement)}</p>
${assumptionsBlock(c)}
${evidenceBlock(c)}
${checksTable(c)}
${c.erratum ? `<p><b>What holds:</b> ${esc(c.erratum.correction)}</p><p><b>Why this is an erratum:</b> ${esc(c.erratum.explanation)}</p>${workedBlock(c)}` : ''}
<div class="cite">ran on: ${c.outcomes.map((o) => `${esc(implLabel(o))} ${o.confirmed ? '✓' : o.derived === 'not-judged' ? '○ not judged' : '✗ ' + esc(o.derived)}${o.error ? ` (${esc(o.error)})` : ''}`).join(' · ')}</div>
${scores.length ? `<div class="cite">mutation score of the ops behind it: <a href="#mutation">${esc(scores.join(' · '))}</a></div>` : ''}
</section>`;
}

/** An erratum in the errata list: what the document printed, what holds, and the calculation. */
function erratumSection(c: ClaimReport): string {
  const refuted = recordSide(c).filter((k) => k.correct);
  const computed = (label: string) => c.outcomes.find((o) => o.impl === 'reference')?.checks.find((k) => k.label === label)?.computed ?? c.outcomes[0]?.checks.find((k) => k.label === label)?.computed ?? '—';
  return `<div class="claim"><h3><a href="#${esc(c.id)}">${esc(c.id)}</a></h3><div class="cite">${citation(c)}</div><p>${esc(c.statement)}</p>
<p><b>What holds:</b> ${esc(c.erratum?.correction ?? '')}</p>
<table><tr><th>check</th><th>the document says</th><th>what holds</th><th>computed</th></tr>${refuted.map((k) => `<tr><td><code>${esc(k.label)}</code></td><td>${esc(k.document ?? '—')}<br><span class="cite">criterion: <code>${esc(k.criterion)}</code></span></td><td><code>${esc(k.correct!.criterion)}</code></td><td><code>${esc(computed(k.label))}</code></td></tr>`).join('')}</table>
${workedBlock(c)}
<p>${esc(c.erratum?.explanation ?? '')}</p>${assumptionsBlock(c)}</div>`;
}


/** The tfjs backends of the run, one line each: label, claims confirmed, what it ran on. */
function backendRows(report: VerifyReport): { label: string; confirmed: number; judged: number; reportOnly: boolean; summary: string }[] {
  const labels = [...new Set(report.claims.flatMap((c) => c.outcomes.filter((o) => o.impl === 'tfjs').map((o) => o.backend)))];
  const summaries = report.backends ?? [report.backend];
  return labels.map((label, i) => {
    const os = report.claims.flatMap((c) => c.outcomes.filter((o) => o.impl === 'tfjs' && o.backend === label));
    const judged = os.filter((o) => o.derived !== 'not-judged');
    return { label, confirmed: judged.filter((o) => o.confirmed).length, judged: judged.length, reportOnly: os.some((o) => o.reportOnly), summary: summaries[i]?.summary ?? label };
  });
}

/** Claims whose verdict changes in a report-only column (half precision): id, backend, what it derived, the first failing check. */
export function reportOnlyChanges(report: VerifyReport): { id: string; backend: string; derived: string; detail: string }[] {
  return report.claims.flatMap((c) =>
    c.outcomes
      .filter((o) => o.reportOnly && !o.confirmed && o.derived !== 'not-judged')
      .map((o) => ({ id: c.id, backend: o.backend, derived: o.derived, detail: o.error ?? o.checks.find((k) => !k.result.ok)?.result.detail ?? '' })),
  );
}

/** The per-op error table of the GPU leg (rows: op; columns: backends), or nothing. */
function gpuErrorRows(report: VerifyReport): { backends: string[]; rows: { op: string; errors: string[]; tolerance: string }[] } | null {
  const g = report.gpuOpErrors;
  if (!g) return null;
  const backends = [...new Set(Object.values(g.ops).flatMap((per) => Object.keys(per)))];
  const fmt = (x: number | undefined) => (x === undefined ? '—' : x === 0 ? '0' : x.toExponential(1));
  return {
    backends,
    rows: Object.entries(g.ops).map(([op, per]) => {
      const t = Object.values(per)[0];
      return { op, errors: backends.map((b) => fmt(per[b]?.maxAbsError)), tolerance: op.startsWith('TinyGPT training') ? 'a drop > 0.2' : `${t.atol} + ${t.rtol}·|x|` };
    }),
  };
}

export function renderHtml(report: VerifyReport, figures: Figure[], coverage: Coverage, mutation: MutationReport | null = null): string {
  const t = report.totals;
  const rows = mutation ? mutationRows(mutation, report.claims.map((c) => c.id)) : [];
  const topics = [...new Set(report.claims.map((c) => c.topic))];
  const errata = report.claims.filter((c) => c.verdict === 'erratum');
  const backends = [...new Set(report.claims.flatMap((c) => c.outcomes.map(implLabel)))];
  const judged = t.claims - t.notJudged;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>transformer-spec — verification report</title><style>${CSS}</style></head>
<body><header>
<h1>transformer-spec — verification report</h1>
<div class="cite">Generated ${esc(report.generatedAt)}</div>
${scopeNote(report) ? `<p class="badge unconfirmed">${esc(scopeNote(report))}</p>` : ''}
<nav><a href="#summary">Summary</a><a href="#figures">Figures</a><a href="#errata">Errata (${errata.length})</a><a href="#claims">Claims (${t.claims})</a><a href="#coverage">Coverage</a><a href="#properties">Properties</a>${mutation ? '<a href="#mutation">Mutation scores</a>' : ''}</nav>
</header><main>
<section id="summary"><h2>Summary</h2>
<div class="summary">
<div class="card"><b>${t.claims}</b>claims</div>
<div class="card"><b>${t.holds}</b><span class="badge holds">hold</span></div>
<div class="card"><b>${t.holdsUnderAssumption}</b><span class="badge holds-under-assumption">hold under an assumption</span></div>
<div class="card"><b>${t.errata}</b><span class="badge erratum">errata</span></div>
<div class="card"><b>${t.confirmed}/${judged}</b>${t.notJudged ? 'judged ' : ''}verdicts confirmed</div>
${t.notJudged ? `<div class="card"><b>${t.notJudged}</b><span class="badge notjudged-badge">not judged</span> (no recorded run)</div>` : ''}
<div class="card"><b>${t.runs}</b>implementation runs</div>
</div>
${backendRows(report).length > 1 ? `<table><tr><th>tfjs backend</th><th>judged verdicts confirmed</th><th>ran on</th></tr>${backendRows(report).map((b) => `<tr><td><code>tfjs/${esc(b.label)}</code></td><td>${b.confirmed}/${b.judged}${b.reportOnly ? ' (report only: never fails the run)' : ''}</td><td>${esc(b.summary)}</td></tr>`).join('')}</table>` : `<p class="cite">TensorFlow.js backend: ${esc(report.backend.summary)}</p>`}
${reportOnlyChanges(report).length || backendRows(report).some((b) => b.reportOnly) ? `<h3>Half precision (WebGL with 16-bit textures)</h3><p>The claims run once more with WEBGL_FORCE_F16_TEXTURES: this shows which of the documents' worked examples still hold when every intermediate is stored in float16. It only reports. ${reportOnlyChanges(report).length ? `${reportOnlyChanges(report).length} claims change their verdict:` : 'Every claim keeps its verdict.'}</p>${reportOnlyChanges(report).length ? `<table><tr><th>claim</th><th>column</th><th>derived in float16</th><th>first failing check</th></tr>${reportOnlyChanges(report).map((x) => `<tr><td><a href="#${esc(x.id)}">${esc(x.id)}</a></td><td>${esc(x.backend)}</td><td>${esc(x.derived)}</td><td>${esc(x.detail)}</td></tr>`).join('')}</table>` : ''}` : ''}
<p>Each claim is a statement of one of five teaching documents (${Object.values(DOCUMENTS).map((d) => `<i>${esc(d.title)}</i>`).join('; ')}), checked on ${backends.map(esc).join(', ')}. In every table, <b>the document says</b> shows only what the document printed or stated (its values, or a short restatement); <b>criterion</b> is the comparison the project applies, with its reason; a check marked ${derivedTag} has a value the document did not print. A printed number holds when the exact value rounds to it at its printed precision; how "≈", "roughly", "slightly", ranges and bounds are read is written once in golden/README.md.${t.notJudged ? ` A reproduction claim is judged from a recorded training run; without one it is <b>not judged</b> — neither confirmed nor refuted.` : ''}</p>
</section>
${(() => {
  const g = gpuErrorRows(report);
  return g ? `<h3>Largest error per op on the GPU backends</h3><p class="cite">Measured by npm run test:gpu (${report.gpuOpErrors!.gpuPropertyRuns} seeded cases per op plus its fixed cases, ${esc(report.gpuOpErrors!.generatedAt)}): |tfjs − float64 reference|, or − PyTorch for the parity rows.</p><table><tr><th>op</th>${g.backends.map((b) => `<th>${esc(b)}</th>`).join('')}<th>tolerance</th></tr>${g.rows.map((r) => `<tr><td><code>${esc(r.op)}</code></td>${r.errors.map((e) => `<td>${e}</td>`).join('')}<td>${esc(r.tolerance)}</td></tr>`).join('')}</table>` : '';
})()}
<section id="figures"><h2>Figures</h2>
${figures.map((f) => `<figure id="${esc(f.id)}" data-figure="${esc(f.id)}">${f.svg}<figcaption><b>${esc(f.title)}.</b> ${esc(f.caption)}${f.claims.length ? ` Claims: ${f.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join(', ')}.` : ''}</figcaption></figure>`).join('\n')}
</section>
<section id="errata"><h2>Errata</h2>
${errata.map(erratumSection).join('\n')}
</section>
<section id="claims"><h2>Claims</h2>
${topics.map((topic) => `<h2 id="topic-${esc(topic)}">${esc(topic)}</h2>${report.claims.filter((c) => c.topic === topic).map((c) => claimSection(c, rows)).join('\n')}`).join('\n')}
</section>
<section id="coverage"><h2>Coverage of the inventories</h2>
${coverageHtml(coverage)}
</section>
<section id="properties"><h2>Properties behind the claims</h2>
<p>What the specs check that no claim checks, because no document states it, beside the claims that rest on it.</p>
<table><tr><th>property</th><th>specs</th><th>claims it stands behind</th><th>why it is not a claim</th></tr>
${PROPERTIES_BEHIND_CLAIMS.map((p) => `<tr><td>${esc(p.property)}</td><td>${p.specs.map((x) => `<code>${esc(x)}</code>`).join('<br>')}</td><td>${p.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join('<br>')}</td><td>${esc(p.whyNoClaim)}</td></tr>`).join('\n')}
</table>
</section>
${mutation ? `<section id="mutation"><h2>Mutation scores</h2>\n${mutationHtml(mutation, rows)}\n</section>` : ''}
</main></body></html>
`;
}

function coverageHtml(coverage: Coverage): string {
  const encoded = coverage.items.filter((i) => i.claims.length).length;
  const reasoned = coverage.items.filter((i) => !i.claims.length && i.reason).length;
  return `<p>${encoded} of ${coverage.items.length} inventory items are encoded by at least one claim${reasoned ? `; ${reasoned} ${reasoned === 1 ? 'has' : 'have'} a recorded reason for having none` : ''} (read from ${coverage.sources.map(esc).join(' and ') || 'golden/coverage.json only'}).</p>
<table><tr><th>inventory</th><th>§</th><th>item</th><th>claims</th><th>implementations run</th></tr>
${coverage.items.map((i) => `<tr><td>${esc(i.inventory)}</td><td>${esc(i.section)}</td><td>${esc(i.text)}</td><td>${i.claims.length ? i.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join('<br>') : i.reason ? `<span class="cite">no claim: ${esc(i.reason)}</span>` : '<span class="bad">not encoded yet</span>'}</td><td>${esc(i.implementations.join(', ') || '—')}</td></tr>`).join('\n')}
</table>`;
}

function mutationHtml(mutation: MutationReport, rows: readonly MutationRow[]): string {
  return `<p>${esc(mutation.note)} Score = killed / (killed + survived + not covered); known-equivalent mutants (each with its reason in scripts/equivalent-mutants.json) and mutants that do not type-check are left out.</p>
<table><tr><th>op</th><th>score</th><th>killed / scored</th><th>equivalent</th><th>specs behind it</th><th>claims</th><th>surviving mutants</th></tr>
${rows.map((r) => `<tr id="mutation-${esc(r.op)}"><td>${esc(r.op)}</td><td>${r.score === null ? 'n/a' : `${r.score}%`}</td><td>${r.killed} / ${r.scored}</td><td>${r.equivalent}</td><td>${mutation.ops[r.op].specs.map((x) => `<code>${esc(x)}</code>`).join('<br>')}</td><td>${r.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join('<br>') || '—'}</td><td>${r.survivors.map((m) => `<code>${esc(m.file)}:${m.line}</code> ${esc(m.mutator)}: <code>${esc(m.original)}</code> → <code>${esc(m.replacement)}</code>`).join('<br>') || '—'}</td></tr>`).join('\n')}
</table><p class="cite">Recorded by npm run mutate (PROPERTY_RUNS ${[...new Set(rows.map((r) => r.propertyRuns))].join(', ')}), ${esc([...new Set(rows.map((r) => r.date.slice(0, 10)))].join(', '))}.</p>`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: VerifyReport, figures: Figure[], coverage: Coverage, mutation: MutationReport | null = null): string {
  const opRows = mutation ? mutationRows(mutation, report.claims.map((c) => c.id)) : [];
  const t = report.totals;
  const judged = t.claims - t.notJudged;
  const lines: string[] = [];
  lines.push('# transformer-spec — verification report', '', `Generated ${report.generatedAt}.`, '');
  if (scopeNote(report)) lines.push(`**${scopeNote(report)}**`, '');
  lines.push(`**${t.claims} claims**: ${t.holds} hold, ${t.holdsUnderAssumption} hold under a stated assumption, ${t.errata} errata; ${t.confirmed}/${judged} ${t.notJudged ? 'judged ' : ''}verdicts confirmed over ${t.runs} implementation runs${t.notJudged ? `; ${t.notJudged} not judged (no recorded run)` : ''}.`, '');
  const rows = backendRows(report);
  if (rows.length > 1) lines.push('| tfjs backend | judged verdicts confirmed | ran on |', '|---|---|---|', ...rows.map((b) => `| \`tfjs/${b.label}\` | ${b.confirmed}/${b.judged}${b.reportOnly ? ' (report only)' : ''} | ${cell(b.summary)} |`), '');
  else lines.push(`TensorFlow.js backend: ${report.backend.summary}.`, '');
  const changes = reportOnlyChanges(report);
  if (rows.some((b) => b.reportOnly)) {
    lines.push('## Half precision (WebGL with 16-bit textures)', '', `The claims run once more with WEBGL_FORCE_F16_TEXTURES (report only). ${changes.length ? `${changes.length} claims change their verdict in float16:` : 'Every claim keeps its verdict in float16.'}`, '');
    if (changes.length) lines.push('| claim | column | derived in float16 | first failing check |', '|---|---|---|---|', ...changes.map((x) => `| \`${x.id}\` | ${x.backend} | ${x.derived} | ${cell(x.detail)} |`), '');
  }
  lines.push('"The document says" shows only what a document printed or stated; "criterion" is the comparison the project applies, with its reason; *derived* marks a value the document did not print. The reading rules ("≈", "roughly", "slightly", ranges, bounds, model scale, recorded runs) are in golden/README.md.', '');
  const g = gpuErrorRows(report);
  if (g) lines.push('## Largest error per op on the GPU backends', '', `Measured by \`npm run test:gpu\` (${report.gpuOpErrors!.gpuPropertyRuns} seeded cases per op plus its fixed cases, ${report.gpuOpErrors!.generatedAt}): |tfjs − float64 reference|, or − PyTorch for the parity rows.`, '', `| op | ${g.backends.join(' | ')} | tolerance |`, `|---|${g.backends.map(() => '---|').join('')}---|`, ...g.rows.map((r) => `| ${r.op} | ${r.errors.join(' | ')} | ${cell(r.tolerance)} |`), '');
  lines.push('## Figures', '', ...figures.map((f) => `- **${f.title}** — ${f.caption} (rendered in index.html#${f.id})`), '');
  lines.push('## Errata', '');
  for (const c of report.claims.filter((x) => x.verdict === 'erratum')) {
    lines.push(`### ${c.id}`, '', `${c.citation.map((x) => `*${x.title}* — ${x.section}`).join('; ')}`, '', c.statement, '');
    for (const k of recordSide(c).filter((x) => x.correct)) lines.push(`- \`${k.label}\`: the document says ${k.document ?? '—'} (criterion \`${k.criterion}\`); what holds: \`${k.correct!.criterion}\`${computedOf(c, k.label) ? ` (computed \`${computedOf(c, k.label)}\`)` : ''}`);
    lines.push('', `What holds: ${c.erratum?.correction ?? ''}`);
    if (c.erratum?.worked?.length) lines.push('', 'Worked calculation:', '', ...c.erratum.worked.map((l, i) => `${i + 1}. ${l}`));
    lines.push('', c.erratum?.explanation ?? '', '');
    if (c.assumptions.length) lines.push(...c.assumptions.map((a) => `- Assumption: ${a}`), '');
  }
  lines.push('## Claims', '');
  for (const c of report.claims) {
    const status = c.notJudged ? ' — not judged (no recorded run)' : c.confirmed ? '' : ' — NOT confirmed';
    lines.push(`### ${c.id}`, '', `**${verdictText[c.verdict]}**${status} · ${c.citation.map((x) => `*${x.title}* — ${x.section}`).join('; also in ')} · CLAIMS.md ${c.inventory}`, '', c.statement, '');
    if (c.assumptions.length) lines.push(`Assumption${c.assumptions.length > 1 ? 's' : ''}:`, '', ...c.assumptions.map((a) => `- ${a}`), '');
    const scores = scoresOfClaim(opRows, c.id);
    if (scores.length) lines.push(`Mutation score of the ops behind it: ${scores.join(' · ')}.`, '');
    if (c.evidence) lines.push(c.evidence.present ? `Evidence: \`${c.evidence.file}\` — seed ${c.evidence.seed ?? '?'}, ${c.evidence.steps ?? '?'} steps, backend ${c.evidence.backend ?? '?'}, recorded ${c.evidence.recordedAt ?? '?'}.` : `Not judged: \`${c.evidence.file}\` is absent; record it with \`${c.evidence.command}\`.`, '');
    const rows = recordSide(c);
    if (rows.length) {
      lines.push('| check | the document says | criterion (why) | computed |', '|---|---|---|---|');
      for (const k of rows) lines.push(`| \`${k.label}\`${k.document === null ? ' *derived*' : ''} | ${cell(k.document ?? '—')} | \`${cell(k.criterion)}\`${c.verdict === 'erratum' && k.correct ? ` → holds: \`${cell(k.correct.criterion)}\`` : ''} — ${cell(k.why)} | ${c.outcomes.map((o) => `${implLabel(o)}: \`${cell(o.checks.find((x) => x.label === k.label)?.computed ?? '—')}\` ${o.confirmed ? '✓' : '✗'}`).join('; ')} |`);
      lines.push('');
    }
  }
  lines.push('## Coverage of the inventories', '', '| inventory | § | item | claims (or why none) |', '|---|---|---|---|');
  for (const i of coverage.items) lines.push(`| ${i.inventory} | ${i.section} | ${cell(i.text)} | ${i.claims.map((x) => `\`${x}\``).join(', ') || (i.reason ? `no claim: ${cell(i.reason)}` : 'not encoded yet')} |`);
  lines.push('');
  lines.push('## Properties behind the claims', '', 'What the specs check that no claim checks, because no document states it, beside the claims that rest on it.', '', '| property | specs | claims it stands behind | why it is not a claim |', '|---|---|---|---|');
  for (const p of PROPERTIES_BEHIND_CLAIMS) lines.push(`| ${cell(p.property)} | ${p.specs.map((x) => `\`${x}\``).join(', ')} | ${p.claims.map((x) => `\`${x}\``).join(', ')} | ${cell(p.whyNoClaim)} |`);
  lines.push('');
  if (mutation) {
    lines.push('## Mutation scores', '', `${mutation.note} Score = killed / (killed + survived + not covered); known-equivalent mutants and mutants that do not type-check are left out.`, '');
    lines.push('| op | score | killed / scored | equivalent | specs behind it | claims | surviving mutants |', '|---|---|---|---|---|---|---|');
    for (const r of opRows) lines.push(`| ${r.op} | ${r.score === null ? 'n/a' : `${r.score}%`} | ${r.killed} / ${r.scored} | ${r.equivalent} | ${mutation.ops[r.op].specs.map((x) => `\`${x}\``).join(', ')} | ${r.claims.map((x) => `\`${x}\``).join(', ') || '—'} | ${r.survivors.map((m) => `\`${cell(m.file)}:${m.line}\` ${m.mutator}: \`${cell(m.original)}\` → \`${cell(m.replacement)}\``).join('; ') || '—'} |`);
    lines.push('');
  }
  return lines.join('\n');
}

function computedOf(c: ClaimReport, label: string): string | undefined {
  return (c.outcomes.find((o) => o.impl === 'reference') ?? c.outcomes[0])?.checks.find((k) => k.label === label)?.computed;
}
