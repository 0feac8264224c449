/**
 * The tutorial ("GenAI Tutorial 2025: LLMs From Scratch", short id `scratch`), read at run time from
 * ../shared/seeds/004_141c9463eba2c207.txt beside the project (CI clones the project with shared/
 * next to it). The project never stores the document's text: every claim, reproduction and CLI
 * command that needs it reads it here, through one reader with one family of errors:
 *
 *   TutorialTextError            the base (MALFORMED_INPUT): the tutorial cannot serve what is asked
 *   ├ TutorialSourceMissingError the file is absent or unreadable (names the path and the layout)
 *   └ TutorialFormatError        the file lacks a block the caller needs (names the block)
 *
 * What it reads:
 *   readTutorial         the tokenisation claims' blocks: every `text = """…"""` literal in order
 *                        ([0] TinyBERT's §3.1, [1] TinyGPT's §4.1), §3.1's printed ['word: id', …],
 *                        every printed `Encoded text: tensor([…])`, §4.1's printed ['c: id', …],
 *                        §4.4.1's printed generate() output
 *   readTutorialTexts    the two training texts (the §4.1 text extends the §3.1 one)
 *   readPrintedLogs      the printed training logs "Epoch k/N, Loss: x[, Accuracy: y]" of §3.4, §4.4
 *   readTutorialSection  one numbered section's body, the names it assigns and the checkpoints it loads
 *
 * The extraction is literal: a Python triple-quoted string assigned to `text`, in document order,
 * exactly as the tutorial's code would see it (the TinyGPT text starts with a newline; the TinyBERT
 * text starts and ends with one, which the tutorial replaces by spaces before splitting into words).
 */
import { join } from 'node:path';
import { readRegularText } from './files.js';
import { PROJECT_ROOT } from './claims.js';
import { SpecError } from './errors.js';
import { hostOnly } from './host.js';

export const TUTORIAL_FILE = '004_141c9463eba2c207.txt';

export function tutorialPath(): string {
  return join(PROJECT_ROOT, '..', 'shared', 'seeds', TUTORIAL_FILE);
}

/** Where the tutorial lives by default (../shared/seeds/ beside the project). */
export const TUTORIAL_PATH = tutorialPath();

/** The tutorial cannot serve what is asked: the base of the reader's errors. */
export class TutorialTextError extends SpecError {
  constructor(message: string) {
    super('MALFORMED_INPUT', message);
    this.name = 'TutorialTextError';
  }
}

/** The tutorial file is absent or unreadable. */
export class TutorialSourceMissingError extends TutorialTextError {
  constructor(
    readonly path: string,
    why = 'not found',
  ) {
    super(
      `the tutorial "LLMs From Scratch" (scratch) is not readable at ${path} (${why}): its texts are read at run time, never copied into the project. ` +
        'Check out ../shared beside the project (../shared/seeds/), as CI does, or pass the path explicitly.',
    );
    this.name = 'TutorialSourceMissingError';
  }
}

/** The tutorial file exists but does not contain what the extractor looks for. */
export class TutorialFormatError extends TutorialTextError {
  constructor(message: string) {
    super(message);
    this.name = 'TutorialFormatError';
  }
}

const sources = new Map<string, string>();

/** The tutorial's text (the default file is read once per process; another path every time). */
function source(path: string): string {
  const cached = sources.get(path);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readRegularText(path, 'textBytes'); // a regular file within the text-file cap (src/core/files.ts)
  } catch (e) {
    const message = (e as Error).message;
    throw new TutorialSourceMissingError(path, message.endsWith('(no such file)') ? 'not found' : message);
  }
  if (path === TUTORIAL_PATH) sources.set(path, text);
  return text;
}

/** Every `text = """…"""` literal of the tutorial, in document order (the training texts of §3.1 and §4.1). */
export function tutorialTextLiterals(text: string): string[] {
  return [...text.matchAll(/\btext\s*=\s*"""([\s\S]*?)"""/g)].map((m) => m[1]);
}

// ---------------------------------------------------------------------------------------------
// The tokenisation claims' blocks

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

function readTutorialOnHost(path = tutorialPath()): TutorialText {
  if (path === tutorialPath() && cache) return cache;
  const src = source(path);
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
  if (missing.length) throw new TutorialFormatError(`${path} does not contain ${missing.join(', ')}: is it the tutorial "LLMs From Scratch"?`);
  const out: TutorialText = { texts, printedWordIds: parseIdList(word![0]), printedCharIds: parseIdList(chars), printedEncodings, generatedSample };
  if (path === tutorialPath()) cache = out;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The training texts and the printed logs

export interface TutorialTexts {
  /** §3.1: the text TinyBERT is trained on (word tokens). */
  bert: string;
  /** §4.1: the text TinyGPT is trained on (character tokens). */
  gpt: string;
  /** The file they were read from. */
  source: string;
}

export interface PrintedLogLine {
  epoch: number;
  of: number;
  loss: number;
  /** TinyBERT's log only: accuracy in percent, as printed. */
  accuracy?: number;
  /** The printed strings, keeping their decimals ("4.8240", "5.88"). */
  printed: { loss: string; accuracy?: string };
}

export interface PrintedLogs {
  tinybert: PrintedLogLine[];
  tinygpt: PrintedLogLine[];
}

/**
 * The two training texts. The first literal (§3.1) is TinyBERT's, the second (§4.1) TinyGPT's;
 * a sanity check requires the second to extend the first, as it does in the tutorial.
 */
function readTutorialTextsOnHost(path: string = TUTORIAL_PATH): TutorialTexts {
  const texts = tutorialTextLiterals(source(path));
  if (texts.length < 2) throw new TutorialFormatError(`${path}: expected the two training texts (text = """…""" in §3.1 and §4.1), found ${texts.length}`);
  const [bert, gpt] = texts;
  if (!gpt.startsWith(bert.trimEnd())) throw new TutorialFormatError(`${path}: the §4.1 text should extend the §3.1 text (the TinyGPT text continues the TinyBERT paragraph)`);
  return { bert, gpt, source: path };
}

const LOG_LINE = /^Epoch (\d+)\/(\d+), Loss:\s*(-?\d+\.\d+)(?:, Accuracy:\s*(-?\d+(?:\.\d+)?))?\s*$/;

/** The printed training logs of §3.4 (with accuracy: TinyBERT) and §4.4 (TinyGPT). */
function readPrintedLogsOnHost(path: string = TUTORIAL_PATH): PrintedLogs {
  const logs: PrintedLogs = { tinybert: [], tinygpt: [] };
  for (const line of source(path).split('\n')) {
    const m = LOG_LINE.exec(line.trim());
    if (!m) continue;
    const entry: PrintedLogLine = { epoch: Number(m[1]), of: Number(m[2]), loss: Number(m[3]), printed: { loss: m[3] } };
    if (m[4] !== undefined) {
      entry.accuracy = Number(m[4]);
      entry.printed.accuracy = m[4];
      logs.tinybert.push(entry);
    } else {
      logs.tinygpt.push(entry);
    }
  }
  if (logs.tinybert.length === 0 || logs.tinygpt.length === 0) {
    throw new TutorialFormatError(`${path}: expected the printed training logs of §3.4 and §4.4 ("Epoch k/N, Loss: …"), found ${logs.tinybert.length} and ${logs.tinygpt.length} lines`);
  }
  return logs;
}

// ---------------------------------------------------------------------------------------------
// One numbered section: its body, the names it assigns (NAME = "…" with spaces around "=";
// keyword arguments are not assignments) and the first argument of every from_pretrained(…) call

export interface TutorialSection {
  heading: string;
  body: string;
  /** Names assigned a string literal, in order. */
  assigns: string[];
  /** First arguments of from_pretrained(…), in order. */
  loads: string[];
}

/** The body of section `number` ("5.1"), with the names it assigns and loads. */
function readTutorialSectionOnHost(number: string, path = tutorialPath()): TutorialSection {
  const lines = source(path).split('\n');
  const isHeading = (l: string) => /^\d+(\.\d+)+ \S/.test(l.trim()) && !/\t\d+$/.test(l);
  const start = lines.findIndex((l) => isHeading(l) && l.trim().startsWith(`${number} `));
  if (start < 0) throw new TutorialFormatError(`${path} has no section ${number} heading: is it the tutorial "LLMs From Scratch"?`);
  const next = lines.findIndex((l, i) => i > start && isHeading(l));
  const body = lines.slice(start + 1, next < 0 ? undefined : next).join('\n');
  return {
    heading: lines[start].trim(),
    body,
    assigns: [...body.matchAll(/(?:^|[\s`*])([A-Za-z_]\w*) = ["'][^"'\n]*["']/gm)].map((m) => m[1]),
    loads: [...body.matchAll(/from_pretrained\(\s*([A-Za-z_]\w*)/g)].map((m) => m[1]),
  };
}

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const readTutorial = hostOnly('readTutorial', readTutorialOnHost);

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const readTutorialTexts = hostOnly('readTutorialTexts', readTutorialTextsOnHost);

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const readPrintedLogs = hostOnly('readPrintedLogs', readPrintedLogsOnHost);

/** Node-only (file reading and parsing): a page asks Node for the result (src/core/host.ts). */
export const readTutorialSection = hostOnly('readTutorialSection', readTutorialSectionOnHost);
