/**
 * Reading the files a user hands over (configs, weights, sentence files, the tutorial) as
 * untrusted input: only regular files are read, never more bytes than the cap for their kind
 * (src/core/limits.ts), and every file-system failure becomes a FileAccessError that names the
 * path and the reason — so `/dev/zero` is refused instead of read forever, and a FIFO is refused
 * instead of blocking until a writer appears.
 *
 * A FIFO blocks open(2) for reading until a writer opens it, so files are opened with O_NONBLOCK
 * (which changes nothing for a regular file) and the kind is checked on the open descriptor with
 * fstat: no window between the check and the read in which the path could be swapped.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { FileAccessError, ResourceLimitError, SpecError } from './errors.js';
import { LIMITS, formatBytes, limit, type LimitName } from './limits.js';

/** "no such file", "it is a directory", … for a Node file-system error; undefined for anything else. */
export function fileSystemReason(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof SpecError || typeof err?.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return undefined;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EFBIG: 'file too large: over a file-size limit such as ulimit -f',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
    EMFILE: 'too many open files',
  };
  return known[err.code] ?? `${err.code}: ${(err.message ?? '').split('\n')[0]}`;
}

/** Runs an fs call, turning its failure into a FileAccessError "<path>: cannot <verb> (<reason>)". */
export function fileAccess<T>(path: string, verb: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const why = fileSystemReason(e);
    if (why) throw new FileAccessError(`${path}: cannot ${verb} (${why})`);
    throw e;
  }
}

/** What a non-regular file is, for the message. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'it is a directory';
  if (s.isFIFO()) return 'it is a FIFO, a named pipe';
  if (s.isCharacterDevice()) return 'it is a character device';
  if (s.isBlockDevice()) return 'it is a block device';
  if (s.isSocket()) return 'it is a socket';
  return 'it is not a regular file';
}

/** An open regular file: its descriptor and size. Close it with `close()`. */
export interface OpenFile {
  fd: number;
  size: number;
  path: string;
  /** Reads exactly `length` bytes at `position` (a float: files over 2 GiB are fine). */
  read(position: number, length: number): Uint8Array;
  close(): void;
}

/**
 * Opens `path` for reading if it is a regular file; never blocks on a FIFO.
 * @throws FileAccessError for a missing file, a directory, a FIFO, a device, no permission
 */
export function openRegularFile(path: string): OpenFile {
  const fd = fileAccess(path, 'read the file', () => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  let s: Stats;
  try {
    s = fileAccess(path, 'read the file', () => fstatSync(fd));
    if (!s.isFile()) throw new FileAccessError(`${path}: cannot read the file (${kindOf(s)}${s.isDirectory() ? '' : '; only regular files are read'})`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    fd,
    size: s.size,
    path,
    read(position: number, length: number): Uint8Array {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        // readSync moves at most 2 GiB per call; loop until the range is filled.
        const n = fileAccess(path, 'read the file', () => readSync(fd, out, done, Math.min(length - done, 2 ** 30), position + done));
        if (n === 0) throw new FileAccessError(`${path}: cannot read the file (it ended at byte ${position + done}, before the ${length} bytes at ${position}: was it truncated while being read?)`);
        done += n;
      }
      return out;
    },
    close: () => closeSync(fd),
  };
}

/** The kinds of files with a size cap of their own (see src/core/limits.ts). */
export type CappedKind = Extract<LimitName, 'configBytes' | 'textBytes'> | 'memory';

/**
 * The bytes of a regular file no larger than the cap for its kind.
 * @param kind 'configBytes' (JSON configs), 'textBytes' (sentences, the tutorial), 'memory' (a file read in full into memory)
 * @throws FileAccessError (missing, not a regular file, …); ResourceLimitError when the file is over the cap
 */
export function readRegularFile(path: string, kind: CappedKind): Uint8Array {
  const f = openRegularFile(path);
  try {
    const cap = limit(kind);
    if (f.size > cap) throw new ResourceLimitError(`${path} is ${formatBytes(f.size)}, more than the ${LIMITS[kind].what} of ${formatBytes(cap)}; raise it with ${LIMITS[kind].raise}`);
    return f.read(0, f.size);
  } finally {
    f.close();
  }
}

/** The UTF-8 text of a regular file no larger than the cap for its kind (see readRegularFile). */
export function readRegularText(path: string, kind: CappedKind): string {
  return new TextDecoder('utf-8').decode(readRegularFile(path, kind)); // invalid bytes → U+FFFD, as readFileSync(…, 'utf8')
}
