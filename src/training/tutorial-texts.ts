/**
 * The tutorial's two training texts and its printed training logs, read at run time from the
 * tutorial itself ("GenAI Tutorial 2025: LLMs From Scratch", short id `scratch`):
 *
 *   §3.1 Input Embedding: the TinyBERT text (two lines, word-level tokens)
 *   §4.1 Input Embedding: the TinyGPT text  (four lines, character-level tokens)
 *   §3.4, §4.4: the printed logs "Epoch k/N, Loss: x[, Accuracy: y]" of the two training loops
 *
 * The project never copies the documents' sentences (README, "Citing a claim"); it extracts them
 * from ../shared/seeds/004_141c9463eba2c207.txt relative to the project root (CI checks the
 * project out beside ../shared). The extraction is literal: a Python triple-quoted string
 * assigned to `text`, in document order, exactly as the tutorial's code would see it (the TinyGPT
 * text starts with a newline; the TinyBERT text starts and ends with one, which the tutorial
 * replaces by spaces before splitting into words).
 *
 * Errors: TutorialSourceMissingError when the file is absent (names the path and how CI lays it
 * out); TutorialFormatError when it does not hold two texts or the two printed logs.
 */
import { existsSync } from 'node:fs';
import { readRegularText } from '../core/files.js';
import { tutorialPath, tutorialTextLiterals, TutorialTextError } from '../claims/tutorial-text.js';

/** Where the tutorial lives: defined once, in src/claims/tutorial-text.ts (../shared/seeds/ beside the project). */
export const TUTORIAL_PATH = tutorialPath();

/** The tutorial file is missing: the reproductions and training claims cannot read their texts (a TutorialTextError, like the tokenisation claims' reader raises). */
export class TutorialSourceMissingError extends TutorialTextError {
  constructor(readonly path: string) {
    super(
      `the tutorial (scratch) is not at ${path}: the training texts are read from it at run time, never copied into the project. ` +
        'Check out ../shared beside the project (as CI does), or pass the path explicitly.',
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

function readTutorial(path: string): string {
  if (!existsSync(path)) throw new TutorialSourceMissingError(path);
  return readRegularText(path, 'textBytes'); // a regular file within the text-file cap (src/core/files.ts)
}

/**
 * The two training texts. The first literal (§3.1) is TinyBERT's, the second (§4.1) TinyGPT's;
 * a sanity check requires the second to extend the first, as it does in the tutorial.
 */
export function readTutorialTexts(path: string = TUTORIAL_PATH): TutorialTexts {
  const texts = tutorialTextLiterals(readTutorial(path));
  if (texts.length < 2) throw new TutorialFormatError(`${path}: expected the two training texts (text = """…""" in §3.1 and §4.1), found ${texts.length}`);
  const [bert, gpt] = texts;
  if (!gpt.startsWith(bert.trimEnd())) throw new TutorialFormatError(`${path}: the §4.1 text should extend the §3.1 text (the TinyGPT text continues the TinyBERT paragraph)`);
  return { bert, gpt, source: path };
}

const LOG_LINE = /^Epoch (\d+)\/(\d+), Loss:\s*(-?\d+\.\d+)(?:, Accuracy:\s*(-?\d+(?:\.\d+)?))?\s*$/;

/** The printed training logs of §3.4 (with accuracy: TinyBERT) and §4.4 (TinyGPT). */
export function readPrintedLogs(path: string = TUTORIAL_PATH): PrintedLogs {
  const logs: PrintedLogs = { tinybert: [], tinygpt: [] };
  for (const line of readTutorial(path).split('\n')) {
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
