/**
 * Reading the files a command is given (--config, --weights, --candidates, …): a file-system
 * failure becomes a one-line UsageError naming the option, the path and the reason (exit 2);
 * any other error (a SpecError from a loader, say) passes through unchanged.
 */
import { readFileSync } from 'node:fs';
import { SpecError } from '../core/errors.js';
import { UsageError } from './args.js';

/** "no such file" etc. from a Node file-system error, or undefined for anything else. */
export function fileSystemProblem(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof SpecError || typeof err?.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return undefined;
  const known: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' };
  return known[err.code] ?? `${err.code}: ${(err.message ?? '').split('\n')[0]}`;
}

/** Runs `read(path)`, turning a file-system failure into a UsageError for `--option path`. */
export function readOptionFile<T>(option: string, path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (e) {
    const why = fileSystemProblem(e);
    if (why) throw new UsageError(`--${option} ${path}: cannot read the file (${why})`);
    throw e;
  }
}

/** The UTF-8 text of `--option path`. */
export const readOptionText = (option: string, path: string): string => readOptionFile(option, path, (p) => readFileSync(p, 'utf8'));

/** The parsed JSON of `--option path`, with a named error for malformed JSON. */
export function readOptionJson(option: string, path: string): unknown {
  const text = readOptionText(option, path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${option} ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
