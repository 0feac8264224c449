/**
 * Reads the tutorial's two example texts and its printed vocabulary output at run time, from the
 * source document itself (../shared/seeds/004_141c9463eba2c207.txt beside the project; CI clones
 * the project with shared/ next to it). The project never stores the document's text: the
 * tokenisation claims are computed from the document as it is.
 *
 *   texts            every Python literal  text = """…"""  in order: [0] TinyBERT's (§3.1), [1] TinyGPT's (§4.1)
 *   printedWordIds   §3.1's printed  ['word: id', …]  list
 *   printedEncodings every printed  Encoded text: tensor([…])  as numbers, in order
 *   printedCharIds   §4.1's printed  ['c: id', …]  list (symbols as printed, damaged or not)
 *   generatedSample  §4.4.1's printed output of generate() (the code block after the call)
 */
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../core/claims.js';
import { SpecError } from '../core/errors.js';
import { readRegularText } from '../core/files.js';

export const TUTORIAL_FILE = '004_141c9463eba2c207.txt';

/** The tutorial's text is absent or no longer has the blocks the claims read. */
export class TutorialTextError extends SpecError {
  constructor(message: string) {
    super('MALFORMED_INPUT', message);
    this.name = 'TutorialTextError';
  }
}

export function tutorialPath(): string {
  return join(PROJECT_ROOT, '..', 'shared', 'seeds', TUTORIAL_FILE);
}

export interface TutorialText {
  texts: string[];
  printedWordIds: Array<[string, number]>;
  printedCharIds: Array<[string, number]>;
  printedEncodings: number[][];
  generatedSample: string;
}

let cache: TutorialText | null = null;

/** Parses `'symbol: id'` entries; the symbol is whatever stands between the quote and ": id". */
function parseIdList(list: string): Array<[string, number]> {
  // an entry is 'x: 12' ; the extraction also shows one as ' ': 14 (the space character)
  return [...list.matchAll(/'((?:\\n|[^'\n])*?)'?: (\d+)'?/g)].map((m) => [m[1] === '\\n' ? '\n' : m[1], Number(m[2])]);
}

/** Every `text = """…"""` literal of the tutorial, in document order (the training texts of §3.1 and §4.1). */
export function tutorialTextLiterals(source: string): string[] {
  return [...source.matchAll(/\btext\s*=\s*"""([\s\S]*?)"""/g)].map((m) => m[1]);
}

export function readTutorial(path = tutorialPath()): TutorialText {
  if (path === tutorialPath() && cache) return cache;
  let src: string;
  try {
    src = readRegularText(path, 'textBytes'); // a regular file within the text-file cap (src/core/files.ts)
  } catch (e) {
    const message = (e as Error).message;
    const why = message.endsWith('(no such file)') ? 'not found' : message;
    throw new TutorialTextError(
      `the tokenisation claims read the tutorial "LLMs From Scratch" from ${relative(process.cwd(), path) || path} (${why}); ` +
        'the project expects the shared/ folder beside its checkout (../shared/seeds/)',
    );
  }
  const texts = tutorialTextLiterals(src);
  const printedEncodings = [...src.matchAll(/Encoded text: tensor\(\[([\s\S]*?)\]\)/g)].map((m) => m[1].split(',').map((x) => Number(x.trim())));
  const word = /\['[^\n]*?: 0'[^\n]*\]/.exec(src);
  const chars = src.indexOf("['z: 0'") >= 0 ? src.slice(src.indexOf("['z: 0'"), src.indexOf(']', src.indexOf("['z: 0'")) + 1) : '';
  const call = src.indexOf('print(generate(');
  const fences = call < 0 ? [] : [...src.slice(call).matchAll(/```/g)].map((m) => call + m.index);
  const generatedSample = fences.length >= 3 ? src.slice(fences[1] + 3, fences[2]).replace(/^\n/, '').replace(/\n$/, '') : '';
  const missing = [
    texts.length < 2 && 'the two text = """…""" literals (§3.1, §4.1)',
    printedEncodings.length < 2 && 'the two printed "Encoded text: tensor([…])" outputs',
    !word && "§3.1's printed word: id list",
    !chars && "§4.1's printed character: id list",
    !generatedSample && "§4.4.1's printed generate() output",
    printedEncodings.some((e) => e.some((x) => !Number.isInteger(x))) && 'integer ids in the printed encodings',
  ].filter(Boolean);
  if (missing.length) throw new TutorialTextError(`${path} does not contain ${missing.join(', ')}: is it the tutorial "LLMs From Scratch"?`);
  const out: TutorialText = { texts, printedWordIds: parseIdList(word![0]), printedCharIds: parseIdList(chars), printedEncodings, generatedSample };
  if (path === tutorialPath()) cache = out;
  return out;
}
