/**
 * Golden specs for the documents' LayerNorm claims (golden/blocks/interview.blocks.layernorm-*):
 * the deck's simplified x̂ = (x − μ)/σ, and LayerNorm against BatchNorm. The records stay in the
 * blocks topic (their ids name it); this folder runs them, and spec/blocks does not run them twice.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('blocks', 'layer-norm');
