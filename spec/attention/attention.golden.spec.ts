/**
 * Golden specs for the "attention" claims: every record in golden/attention/ on every implementation it lists.
 * The values, citations and verdicts live in the JSON records; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('attention');
