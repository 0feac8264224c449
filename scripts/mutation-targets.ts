/**
 * Which specs stand behind which source file, for `npm run mutate` (scripts/mutate.ts).
 *
 * A mutation run mutates one op's files and runs only the specs listed here for it — the op's own
 * topic folder plus the few cross-cutting spec files that exercise it (the registry's differential
 * spec, the numerics conventions) — so one op finishes in minutes on a 2-core machine instead of
 * running the whole suite per mutant. The question a row answers: "if this file had a realistic
 * bug, which specs must catch it?" A mutant these specs let live is a gap in the op's own specs,
 * even if some far-away spec would have caught it.
 *
 * `claims` are golden claim-id patterns (`<document>.<topic>.<name>`, `*` matching any run of
 * characters) whose verdicts rest on the op: the report prints the op's mutation score beside them.
 */

export interface MutationTarget {
  /** Source files to mutate (repository-relative). */
  files: readonly string[];
  /** Spec files or folders (repository-relative) that must kill the mutants. */
  specs: readonly string[];
  /** Claim-id patterns the op's score stands beside in the report. */
  claims: readonly string[];
}

const REGISTRY = 'spec/differential/registry.spec.ts';

/** The core ops of issue 17, in the order the report lists them. */
export const MUTATION_TARGETS = {
  softmax: {
    files: ['src/reference/softmax.ts', 'src/tfjs/softmax.ts'],
    specs: ['spec/attention/attention.conventions.spec.ts', 'spec/attention/attention.property.spec.ts', REGISTRY],
    claims: ['*.attention.softmax-rows-are-distributions', '*.attention.first-row-softmax', '*.attention.i-love-cats.*'],
  },
  attention: {
    files: ['src/reference/scaled-dot-product-attention.ts', 'src/tfjs/scaled-dot-product-attention.ts', 'src/reference/multi-head-attention.ts', 'src/tfjs/multi-head-attention.ts'],
    specs: ['spec/attention', REGISTRY],
    claims: ['*.attention.i-love-cats.*', '*.attention.permutation-equivariance', '*.attention.scaling-restores-variance', '*.attention.output-shape'],
  },
  masks: {
    files: ['src/reference/masks.ts', 'src/tfjs/masks.ts'],
    specs: ['spec/masks', REGISTRY],
    claims: ['*.masks.causal-ignores-future', '*.masks.autoregressive-factorisation'],
  },
  'positional-encoding': {
    files: ['src/reference/sinusoidal-encoding.ts', 'src/tfjs/sinusoidal-encoding.ts'],
    specs: ['spec/positional-encoding', REGISTRY],
    claims: ['interview.pe.*', 'course.pe.i-am-a-robot', 'scratch.pe.*'],
  },
  rope: {
    files: ['src/reference/rope.ts', 'src/tfjs/rope.ts'],
    specs: ['spec/positional-encoding', REGISTRY],
    claims: ['course.pe.rope-*'],
  },
  'layer-norm': {
    files: ['src/reference/layer-norm.ts', 'src/tfjs/layer-norm.ts'],
    specs: ['spec/layer-norm', REGISTRY],
    claims: ['*.blocks.layernorm-*', '*.blocks.norm-placement'],
  },
  'rms-norm': {
    files: ['src/reference/rms-norm.ts', 'src/tfjs/rms-norm.ts'],
    specs: ['spec/rms-norm', REGISTRY],
    claims: [],
  },
  activations: {
    files: ['src/reference/activations.ts', 'src/tfjs/activations.ts'],
    specs: ['spec/activations', REGISTRY],
    claims: ['*.blocks.gelu-definition'],
  },
  'feed-forward': {
    files: ['src/reference/feed-forward.ts', 'src/tfjs/feed-forward.ts'],
    specs: ['spec/blocks/blocks.property.spec.ts', 'spec/activations', REGISTRY],
    claims: ['*.blocks.ffn-dimensions'],
  },
  lora: {
    files: ['src/reference/lora.ts', 'src/tfjs/lora.ts'],
    specs: ['spec/peft/peft.property.spec.ts', 'spec/peft/lora-dropout.spec.ts', 'spec/peft/peft.golden.spec.ts', REGISTRY],
    claims: ['*.peft.lora-*', '*.peft.merge-after-training', '*.peft.abt-convention', '*.peft.rank-one-twenty'],
  },
  'cross-entropy': {
    files: ['src/reference/cross-entropy.ts'],
    specs: ['spec/metrics/metrics.property.spec.ts', 'spec/metrics/metrics.golden.spec.ts', REGISTRY],
    claims: ['*.metrics.cross-entropy-ignore-index', '*.metrics.response-masked-loss'],
  },
  bleu: {
    files: ['src/reference/bleu.ts'],
    specs: ['spec/metrics/bleu.spec.ts', 'spec/metrics/metrics.golden.spec.ts'],
    claims: ['*.metrics.bleu-definition'],
  },
  rouge: {
    files: ['src/reference/rouge.ts'],
    specs: ['spec/metrics/rouge.spec.ts', 'spec/metrics/metrics.golden.spec.ts'],
    claims: ['*.metrics.rouge-definition'],
  },
  adamw: {
    files: ['src/reference/adamw.ts', 'src/tfjs/adamw.ts'],
    specs: ['spec/training/optimiser.parity.spec.ts', 'spec/training/training.golden.spec.ts'],
    claims: ['course.training.adamw'],
  },
  sampling: {
    files: ['src/reference/sampling.ts', 'src/tfjs/sampling.ts'],
    specs: ['spec/sampling'],
    claims: ['*.sampling.top-k', '*.sampling.top-p', '*.sampling.temperature', '*.sampling.top-k-50-no-op', '*.sampling.generate-crops-context'],
  },
  'tiled-attention': {
    files: ['src/reference/tiled-attention.ts', 'src/tfjs/tiled-attention.ts'],
    specs: ['spec/efficient-attention', REGISTRY],
    claims: ['notes.efficient-attention.tiling-exact', 'notes.efficient-attention.no-quadratic-memory', 'notes.efficient-attention.recompute-backward'],
  },
  'kv-cache': {
    files: ['src/reference/kv-cache.ts', 'src/tfjs/kv-cache.ts'],
    specs: ['spec/blocks/blocks.property.spec.ts', 'spec/models/models.golden.spec.ts'],
    claims: [],
  },
} as const satisfies Record<string, MutationTarget>;

export type MutationOp = keyof typeof MUTATION_TARGETS;

/** The op a source file belongs to, or undefined. */
export function opOfFile(file: string): MutationOp | undefined {
  const f = file.replace(/^\.\//, '');
  return (Object.keys(MUTATION_TARGETS) as MutationOp[]).find((op) => (MUTATION_TARGETS[op].files as readonly string[]).includes(f));
}

/** A spec path (file or folder) as the glob Stryker's `testFiles` takes. */
export function specGlob(spec: string): string {
  return spec.endsWith('.spec.ts') ? spec : `${spec.replace(/\/$/, '')}/**/*.spec.ts`;
}
