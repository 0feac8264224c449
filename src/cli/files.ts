/**
 * Reading the files a command is given (--config, --weights, --candidates, …) through
 * src/core/files.ts (regular files only, a size cap per kind): a file-system failure or a file over
 * its cap becomes a one-line error naming the option, the path and the reason (exit 2); any other
 * error (a SpecError from a loader, say) passes through unchanged.
 */
import { FileAccessError, ResourceLimitError } from '../core/errors.js';
import { fileSystemReason, readRegularText, type CappedKind } from '../core/files.js';
import { UsageError } from './args.js';

/** Runs `read(path)`, naming `--option` in a file-system or size-limit failure. */
export function readOptionFile<T>(option: string, path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (e) {
    const why = fileSystemReason(e);
    if (why) throw new FileAccessError(`--${option} ${path}: cannot read the file (${why})`);
    const aboutPath = e instanceof Error && (e.message.startsWith(`${path}: `) || e.message.startsWith(`${path} `));
    if (aboutPath && e instanceof FileAccessError) throw new FileAccessError(`--${option} ${e.message}`);
    if (aboutPath && e instanceof ResourceLimitError) throw new ResourceLimitError(`--${option} ${e.message}`);
    throw e;
  }
}

/** The UTF-8 text of `--option path`, a regular file within the cap for its kind. */
export const readOptionText = (option: string, path: string, kind: CappedKind = 'textBytes'): string => readOptionFile(option, path, (p) => readRegularText(p, kind));

/** The parsed JSON of `--option path` (a config: at most the config-file cap), with a named error for malformed JSON. */
export function readOptionJson(option: string, path: string): unknown {
  const text = readOptionText(option, path, 'configBytes');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${option} ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
