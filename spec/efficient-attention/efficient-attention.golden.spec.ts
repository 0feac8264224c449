/**
 * Golden specs for the "efficient-attention" claims (CLAIMS.md §3: FlashAttention and sliding
 * windows in the notes): every record in golden/efficient-attention/ on every implementation it
 * lists. The values, citations and verdicts live in the JSON records; see spec/_helpers/golden.ts.
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('efficient-attention');
