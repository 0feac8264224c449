/**
 * Golden specs for the "positional-encoding" claims: every record in golden/positional-encoding/ on every implementation it lists.
 * The values, citations and verdicts live in the JSON records; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('positional-encoding');
