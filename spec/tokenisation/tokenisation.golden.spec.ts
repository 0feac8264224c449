/**
 * Golden specs for the "tokenisation" claims: the tutorial's word and character vocabularies (read
 * from the tutorial's text at run time), round trips, and BPE (golden/tokenisation/).
 */
import { describeGoldenClaims } from '../_helpers/golden.js';

describeGoldenClaims('tokenisation');
