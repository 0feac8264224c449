/**
 * The evaluator registry: claim id → evaluator. A golden record without an evaluator, or an
 * evaluator without a golden record, fails spec/registry/registry.spec.ts.
 */
import { attentionEvaluators } from './attention.js';
import { blockEvaluators } from './blocks.js';
import { efficientAttentionEvaluators } from './efficient-attention.js';
import { modelEvaluators } from './models.js';
import { maskEvaluators } from './masks.js';
import { metricEvaluators } from './metrics.js';
import { peftEvaluators } from './peft.js';
import { positionalEncodingEvaluators } from './positional-encoding.js';
import { shapeEvaluators } from './shapes.js';
import { trainingEvaluators } from './training.js';
import type { Evaluator } from './types.js';

export const EVALUATORS: Record<string, Evaluator> = {
  ...shapeEvaluators,
  ...attentionEvaluators,
  ...maskEvaluators,
  ...positionalEncodingEvaluators,
  ...blockEvaluators,
  ...modelEvaluators,
  ...metricEvaluators,
  ...peftEvaluators,
  ...trainingEvaluators,
  ...efficientAttentionEvaluators,
};
