/**
 * Golden specs, driven by golden/<topic>/*.json: for every claim of a topic and every
 * implementation the claim lists, one test titled "[claim-id] <implementation>: <what it proves>".
 * Each test runs the claim's evaluator on that implementation, asserts every check against the
 * document's value (or, for an erratum, that the document's value FAILS and the correct value
 * holds), and asserts the derived verdict equals the recorded one. A reproduction claim whose
 * recorded run is absent is not judged: the test then checks that it says so and how to record it.
 */
import { describe, expect, it } from 'vitest';
import { claimsByTopic, type GoldenClaim, type ImplName } from '../../src/core/claims.js';
import { highPrecisionImpl, referenceImpl, tfjsImpl, type ArrayImpl } from '../../src/ops/implementations.js';
import { implementationsOf, runClaim } from '../../src/claims/run.js';
import { backendReport } from './setup.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const IMPLS: Record<ImplName, () => ArrayImpl<any>> = {
  reference: () => referenceImpl,
  'high-precision': () => highPrecisionImpl,
  tfjs: () => tfjsImpl(backendReport),
};

const label = (impl: ImplName) => (impl === 'tfjs' ? `tfjs[${backendReport.choice}]` : impl === 'high-precision' ? 'bignumber-64' : 'reference-f64');

/**
 * Claims of a topic that a concept's own spec folder runs instead of the topic's (a spec topic gets
 * its own folder when a concept has its own golden, property or parity specs; CONTRIBUTING.md).
 */
export const CONCEPT_FOLDERS: Record<string, { topic: string; claims: readonly string[] }> = {
  'layer-norm': { topic: 'blocks', claims: ['interview.blocks.layernorm-simplified', 'interview.blocks.layernorm-vs-batchnorm'] },
};

/** The golden claims of `topic` (all but those a concept folder runs), or, with `folder`, exactly that folder's claims. */
export function describeGoldenClaims(topic: string, folder?: string): void {
  const elsewhere = new Set(Object.values(CONCEPT_FOLDERS).filter((c) => c.topic === topic).flatMap((c) => c.claims));
  const mine = folder ? new Set(CONCEPT_FOLDERS[folder]?.claims ?? []) : null;
  const claims = claimsByTopic(topic).filter((c) => (mine ? mine.has(c.id) : !elsewhere.has(c.id)));
  if (mine && claims.length !== mine.size) throw new Error(`CONCEPT_FOLDERS['${folder}'] names claims that are not in golden/${topic}/`);
  describe(`golden claims: ${topic}${folder ? ` (${folder})` : ''}`, () => {
    it(`the topic has golden records`, () => {
      expect(claims.length).toBeGreaterThan(0);
    });
    for (const claim of claims) {
      for (const impl of implementationsOf(claim)) {
        it(`[${claim.id}] ${label(impl)}: ${claim.title}`, () => assertClaim(claim, IMPLS[impl]()));
      }
    }
  });
}

async function assertClaim(claim: GoldenClaim, impl: ArrayImpl<unknown>): Promise<void> {
  const outcome = await runClaim(claim, impl);
  if (outcome.derived === 'not-judged') {
    // only a reproduction claim may go unjudged, and only for want of its recorded run, which the
    // reason must name with the command that records it (golden/README.md, rule 6); its judging
    // is specified on synthetic records in spec/training/reproduction-evidence.spec.ts
    expect(claim.kind).toBe('reproduction');
    expect(outcome.notJudged).toContain(claim.evidence!.command);
    expect(outcome.notJudged).toContain(claim.evidence!.file.split('/').pop());
    return;
  }
  expect(outcome.error, `evaluator failed on ${impl.name}`).toBeUndefined();
  for (const check of outcome.checks) {
    const spec = claim.checks.find((c) => c.label === check.label)!;
    if (claim.verdict === 'erratum' && spec.correct) {
      // The document's value must be refuted, and the correct value must hold.
      expect(check.result.ok, `${check.label}: the document's ${check.expected} unexpectedly holds (computed ${check.computed})`).toBe(false);
      expect(check.correct?.result.ok, `${check.label}: the correct value ${check.correct?.expected} does not hold — ${check.correct?.result.detail}`).toBe(true);
    } else {
      expect(check.result.ok, `${check.label}: ${check.result.detail} [rule: ${check.result.rule}]`).toBe(true);
    }
  }
  expect(outcome.derived, `derived verdict on ${impl.name}`).toBe(claim.verdict);
}
