/**
 * The verification report as one self-contained HTML page (inline CSS and SVG, no scripts, no
 * network) and as Markdown. Every claim has a stable anchor equal to its id, so a course or a
 * review can link to `report/index.html#course.attention.i-love-cats.weights`.
 */
import type { ClaimReport, VerifyReport } from './types.js';
import { DOCUMENTS } from '../core/documents.js';
import type { ClaimOutcome } from '../core/verdict.js';
import type { Coverage } from './coverage.js';
import type { Figure } from './figures.js';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const implLabel = (o: ClaimOutcome) => (o.impl === 'tfjs' ? `tfjs (${o.backend})` : o.impl === 'high-precision' ? 'BigNumber (64 digits)' : 'reference (float64)');
const verdictText: Record<string, string> = { holds: 'holds', 'holds-under-assumption': 'holds under an assumption', erratum: 'erratum' };
const fmtErr = (e: number | null) => (e === null ? '—' : e === 0 ? '0' : e.toExponential(1));

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

function checksTable(c: ClaimReport): string {
  const head = `<tr><th>check</th><th>the document says</th>${c.verdict === 'erratum' ? '<th>what holds</th>' : ''}${c.outcomes.map((o) => `<th>computed — ${esc(implLabel(o))}</th>`).join('')}<th>tolerance rule</th></tr>`;
  const labels = c.outcomes[0]?.checks.map((k) => k.label) ?? [];
  const rows = labels.map((label) => {
    const first = c.outcomes[0].checks.find((k) => k.label === label)!;
    const cells = c.outcomes.map((o) => {
      const k = o.checks.find((x) => x.label === label);
      if (!k) return '<td>—</td>';
      const good = c.verdict === 'erratum' && k.correct ? k.correct.result.ok : k.result.ok;
      return `<td><code>${esc(k.computed)}</code> <span class="${good ? 'ok' : 'bad'}">${good ? '✓' : '✗'}</span>${k.result.maxError !== null ? `<br><span class="cite">max |Δ| ${fmtErr(k.result.maxError)}</span>` : ''}</td>`;
    });
    return `<tr><td><code>${esc(label)}</code></td><td><code>${esc(first.expected)}</code></td>${c.verdict === 'erratum' ? `<td><code>${esc(first.correct?.expected ?? '—')}</code></td>` : ''}${cells.join('')}<td class="cite">${esc(first.result.rule)}</td></tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function citation(c: ClaimReport): string {
  return c.citation.map((x) => `<i>${esc(x.title)}</i> — ${esc(x.section)}`).join('; also in ');
}

function claimSection(c: ClaimReport): string {
  const confirmed = c.confirmed ? '' : ' <span class="badge unconfirmed">verdict NOT confirmed</span>';
  return `<section class="claim" id="${esc(c.id)}">
<h3><a href="#${esc(c.id)}">${esc(c.id)}</a> <span class="badge ${c.verdict}">${verdictText[c.verdict]}</span>${confirmed}</h3>
<div><b>${esc(c.title)}</b></div>
<div class="cite">${citation(c)} · CLAIMS.md ${esc(c.inventory)} · ${esc(c.kind)}</div>
<p>${esc(c.statement)}</p>
${c.assumptions.length ? `<p><b>Assumption${c.assumptions.length > 1 ? 's' : ''}:</b> ${c.assumptions.map(esc).join('; ')}</p>` : ''}
${checksTable(c)}
${c.erratum ? `<p><b>Why this is an erratum:</b> ${esc(c.erratum.explanation)}</p>` : ''}
<div class="cite">ran on: ${c.outcomes.map((o) => `${esc(implLabel(o))} ${o.confirmed ? '✓' : '✗ ' + esc(o.derived)}${o.error ? ` (${esc(o.error)})` : ''}`).join(' · ')}</div>
</section>`;
}

export function renderHtml(report: VerifyReport, figures: Figure[], coverage: Coverage): string {
  const t = report.totals;
  const topics = [...new Set(report.claims.map((c) => c.topic))];
  const errata = report.claims.filter((c) => c.verdict === 'erratum');
  const backends = [...new Set(report.claims.flatMap((c) => c.outcomes.map(implLabel)))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>transformer-spec — verification report</title><style>${CSS}</style></head>
<body><header>
<h1>transformer-spec — verification report</h1>
<div class="cite">Generated ${esc(report.generatedAt)} · TensorFlow.js backend: ${esc(report.backend.summary)}</div>
<nav><a href="#summary">Summary</a><a href="#figures">Figures</a><a href="#errata">Errata (${errata.length})</a><a href="#claims">Claims (${t.claims})</a><a href="#coverage">Coverage</a></nav>
</header><main>
<section id="summary"><h2>Summary</h2>
<div class="summary">
<div class="card"><b>${t.claims}</b>claims</div>
<div class="card"><b>${t.holds}</b><span class="badge holds">hold</span></div>
<div class="card"><b>${t.holdsUnderAssumption}</b><span class="badge holds-under-assumption">hold under an assumption</span></div>
<div class="card"><b>${t.errata}</b><span class="badge erratum">errata</span></div>
<div class="card"><b>${t.confirmed}/${t.claims}</b>verdicts confirmed</div>
<div class="card"><b>${t.runs}</b>implementation runs</div>
</div>
<p>Each claim is a statement of one of five teaching documents (${Object.values(DOCUMENTS).map((d) => `<i>${esc(d.title)}</i>`).join('; ')}), checked on ${backends.map(esc).join(', ')}. A printed number holds when the exact value rounds to it at its printed precision; computed values are compared under the tolerance rule shown beside them (src/core/tolerance.ts).</p>
</section>
<section id="figures"><h2>Figures</h2>
${figures.map((f) => `<figure id="${esc(f.id)}" data-figure="${esc(f.id)}">${f.svg}<figcaption><b>${esc(f.title)}.</b> ${esc(f.caption)}${f.claims.length ? ` Claims: ${f.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join(', ')}.` : ''}</figcaption></figure>`).join('\n')}
</section>
<section id="errata"><h2>Errata</h2>
${errata.map((c) => `<div class="claim"><h3><a href="#${esc(c.id)}">${esc(c.id)}</a></h3><div class="cite">${citation(c)}</div><p>${esc(c.statement)}</p>
<table><tr><th>check</th><th>the document says</th><th>what holds</th><th>computed (reference)</th></tr>${(c.outcomes[0]?.checks ?? []).filter((k) => k.correct).map((k) => `<tr><td><code>${esc(k.label)}</code></td><td><code>${esc(k.expected)}</code></td><td><code>${esc(k.correct!.expected)}</code></td><td><code>${esc(k.computed)}</code></td></tr>`).join('')}</table>
<p>${esc(c.erratum?.explanation ?? '')}</p></div>`).join('\n')}
</section>
<section id="claims"><h2>Claims</h2>
${topics.map((topic) => `<h2 id="topic-${esc(topic)}">${esc(topic)}</h2>${report.claims.filter((c) => c.topic === topic).map(claimSection).join('\n')}`).join('\n')}
</section>
<section id="coverage"><h2>Coverage of CLAIMS.md</h2>
<p>${coverage.items.filter((i) => i.claims.length).length} of ${coverage.items.length} inventory items are encoded by at least one claim${coverage.source ? ` (read from ${esc(coverage.source)})` : ''}.</p>
<table><tr><th>§</th><th>inventory item</th><th>claims</th><th>implementations run</th></tr>
${coverage.items.map((i) => `<tr><td>${esc(i.section)}</td><td>${esc(i.text)}</td><td>${i.claims.length ? i.claims.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join('<br>') : '<span class="bad">not encoded yet</span>'}</td><td>${esc(i.implementations.join(', ') || '—')}</td></tr>`).join('\n')}
</table></section>
</main></body></html>
`;
}

export function renderMarkdown(report: VerifyReport, figures: Figure[], coverage: Coverage): string {
  const t = report.totals;
  const lines: string[] = [];
  lines.push('# transformer-spec — verification report', '', `Generated ${report.generatedAt}; TensorFlow.js backend: ${report.backend.summary}.`, '');
  lines.push(`**${t.claims} claims**: ${t.holds} hold, ${t.holdsUnderAssumption} hold under a stated assumption, ${t.errata} errata; ${t.confirmed}/${t.claims} verdicts confirmed over ${t.runs} implementation runs.`, '');
  lines.push('## Figures', '', ...figures.map((f) => `- **${f.title}** — ${f.caption} (rendered in index.html#${f.id})`), '');
  lines.push('## Errata', '');
  for (const c of report.claims.filter((x) => x.verdict === 'erratum')) {
    lines.push(`### ${c.id}`, '', `${c.citation.map((x) => `*${x.title}* — ${x.section}`).join('; ')}`, '', c.statement, '');
    for (const k of (c.outcomes[0]?.checks ?? []).filter((x) => x.correct)) lines.push(`- \`${k.label}\`: the document says \`${k.expected}\`; what holds: \`${k.correct!.expected}\` (computed \`${k.computed}\`)`);
    lines.push('', c.erratum?.explanation ?? '', '');
  }
  lines.push('## Claims', '', '| claim | verdict | source | first check: document ⇢ computed | implementations |', '|---|---|---|---|---|');
  for (const c of report.claims) {
    const k = c.outcomes[0]?.checks[0];
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    lines.push(`| \`${c.id}\` | ${verdictText[c.verdict]}${c.confirmed ? '' : ' (NOT confirmed)'} | ${cell(`${c.citation[0].document}: ${c.citation[0].section}`)} | ${k ? cell(`${k.label}: ${k.expected} ⇢ ${k.computed}`) : ''} | ${c.outcomes.map((o) => `${implLabel(o)} ${o.confirmed ? '✓' : '✗'}`).join(', ')} |`);
  }
  lines.push('', '## Coverage of CLAIMS.md', '', '| § | item | claims |', '|---|---|---|');
  for (const i of coverage.items) lines.push(`| ${i.section} | ${i.text.replace(/\|/g, '\\|')} | ${i.claims.map((x) => `\`${x}\``).join(', ') || 'not encoded yet'} |`);
  lines.push('');
  return lines.join('\n');
}
