/**
 * Golden specs for the "sampling" claims: every record in golden/sampling/ on every implementation
 * it lists (top-k, top-p, temperature, the tutorial's generate() loop, self-consistency).
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('sampling');
