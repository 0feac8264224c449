/**
 * Golden specs for the "metrics" claims: every record in golden/metrics/ (Tables 3.1, 4.1, 5.1 and
 * 6.1, the ignore index, the response-only loss, BLEU and ROUGE as evaluate computes them) on every
 * implementation it lists. Values, citations and verdicts live in the JSON records.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('metrics');
