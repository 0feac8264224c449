/**
 * npm run readme:tables — prints the README's claim counts and errata table, computed from
 * golden/ (src/report/readme-tables.ts). Paste them between the markers in README.md;
 * spec/report/readme.spec.ts checks that the README holds exactly these.
 */
import { loadClaims } from '../src/core/claims.js';
import { block, countsLine, errataTable } from '../src/report/readme-tables.js';

const claims = loadClaims();
process.stdout.write(`${block('counts', countsLine(claims))}\n\n${block('errata', errataTable(claims))}\n`);
