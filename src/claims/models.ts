/**
 * Evaluators for the tiny models' structure (CLAIMS.md §6, first item): TinyBERT and TinyGPT as
 * the tutorial prints them, their parameter counts from the configuration checked against
 * PyTorch's sum(p.numel()) (fixtures/manifest.json, written by scripts/export-fixtures.py).
 */
import { readFixtureManifest } from '../core/fixtures.js';
import { tinyParameterCount, tinyStateDictLayout, validateTinyConfig } from '../core/tiny-config.js';
import { input, type Evaluator } from './types.js';

export const modelEvaluators: Record<string, Evaluator> = {
  'scratch.models.tiny-architecture': async (_impl, claim) => {
    const manifest = readFixtureManifest();
    const gpt = validateTinyConfig(input(claim, 'tinygpt'));
    const bert = validateTinyConfig(input(claim, 'tinybert'));
    const layout = tinyStateDictLayout('tinygpt', gpt);
    const buffers = [...layout.values()].filter((e) => e.buffer).reduce((s, e) => s + e.shape[0] * e.shape[1], 0);
    return {
      headSize: layout.get('blocks.0.mh.heads.0.key.weight')!.shape[0],
      ffnHidden: layout.get('blocks.0.ff.net.0.weight')!.shape[0],
      tinygptParameters: tinyParameterCount('tinygpt', gpt),
      tinygptParametersPyTorch: manifest.parameter_counts.tinygpt_tutorial,
      tinybertParameters: tinyParameterCount('tinybert', bert),
      tinybertParametersPyTorch: manifest.parameter_counts.tinybert_tutorial,
      trilBufferElements: buffers,
    };
  },
};
