/**
 * Golden specs for the "masks" claims: every record in golden/masks/ on every implementation it lists.
 * The values, citations and verdicts live in the JSON records; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('masks');
