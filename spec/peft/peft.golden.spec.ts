/**
 * Golden specs for the fine-tuning and PEFT claims (CLAIMS.md §8): every record in golden/peft/
 * on every implementation it lists. Values, citations and verdicts live in the JSON records; the
 * evaluators are in src/claims/peft.ts; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('peft');
