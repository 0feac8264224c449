/**
 * Golden specs for the "training" claims: every record in golden/training/ on every implementation
 * it lists (AdamW, the schedule, clipping, MLM masking, the printed batch builder and logs).
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('training');
