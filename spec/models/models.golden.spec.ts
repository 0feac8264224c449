/**
 * Golden specs for the "models" claims: every record in golden/models/ on every implementation it
 * lists. The values, citations and verdicts live in the JSON records; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('models');
