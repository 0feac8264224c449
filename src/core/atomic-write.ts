/**
 * Every file the project writes is written atomically: to a temporary file in the same folder,
 * flushed, then renamed over the target (rename(2) within one file system replaces the name in
 * one step). A reader — or a later run — sees either the old file or the new one, never a
 * truncated mix, whatever stops the write: a file-size limit (ulimit -f: EFBIG), a full disk, a
 * crash, a directory standing where the file belongs.
 *
 * `writeFileSet` extends this to several files that belong together (claims.json, index.html and
 * report.md of one run): afterwards either every file of the set has its new content, or every
 * file has its old content (or is still absent). It runs in three phases:
 *   1. check: each target is absent or a regular file, its folder exists or can be made;
 *   2. write every temporary file (any failure: remove them all; nothing has changed);
 *   3. commit: keep each old file under a hard link (or, where links are not supported, a renamed
 *      copy), rename each new file into place; if any rename fails, put every old file back.
 * Other processes may briefly see temporary files (".<name>.<pid>.<random>.tmp") in the folder;
 * they are removed on every path out, and a crash leaves at most such dot-files, never a target
 * half-written.
 *
 * Folders are made one level at a time (not mkdirSync's recursive mode, which loops forever on
 * paths such as /proc/x where mkdir answers ENOENT for an existing parent).
 *
 * All failures are FileAccessErrors naming the path and the reason (src/core/files.ts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileAccessError } from './errors.js';
import { fileAccess, fileSystemReason } from './files.js';

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}

const lstatOrUndefined = (path: string) => {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: an ancestor is a file, found further up
    throw e;
  }
};

/**
 * Makes `dir` and any missing parents, one level at a time.
 * @throws FileAccessError when a part of the path is a file, or mkdir fails (naming the folder)
 */
export function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    const s = fileAccess(d, 'use the folder', () => lstatOrUndefined(d));
    if (s) {
      const isDir = s.isDirectory() || (s.isSymbolicLink() && fileAccess(d, 'use the folder', () => statSync(d)).isDirectory());
      if (!isDir) throw new FileAccessError(`${d}: cannot use it as a folder (it is a file)`);
      break;
    }
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing.reverse()) {
    fileAccess(m, 'create the folder', () => {
      try {
        mkdirSync(m);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made by a concurrent process: fine
      }
    });
  }
}

/** The target must be absent or a regular file (a symbolic link is replaced, not followed). */
function checkTarget(path: string): void {
  const s = fileAccess(path, 'write the file', () => lstatOrUndefined(path));
  if (s && !s.isFile() && !s.isSymbolicLink()) {
    throw new FileAccessError(`${path}: cannot write the file (${s.isDirectory() ? 'a directory is in the way' : 'something other than a regular file is in the way'})`);
  }
}

const tempName = (path: string, tag: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.${tag}`);

function writeTemp(path: string, data: string | Uint8Array): string {
  const temp = tempName(path, 'tmp');
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    return temp;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(temp);
    const why = fileSystemReason(e);
    if (why) throw new FileAccessError(`${path}: cannot write the file (${why}); the previous file, if any, is unchanged`);
    throw e;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/**
 * Checks, before any long work starts, that `paths` can be written: their folders exist or can be
 * made and are writable (a probe file is created and removed), and no directory stands where a
 * file belongs. Makes the folders.
 * @throws FileAccessError naming the first path that cannot be written and why
 */
export function checkWritable(paths: readonly string[]): void {
  for (const path of paths) {
    ensureDirectory(dirname(resolve(path)));
    checkTarget(path);
    removeQuietly(writeTemp(path, ''));
  }
}

/**
 * Writes `data` to `path` atomically (temporary file in the same folder, fsync, rename).
 * @throws FileAccessError; the previous file at `path`, if any, is then unchanged
 * @example writeFileAtomic('report/bench.json', '{}\n'); // returns undefined
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFileSet([{ path, data }]);
}

/**
 * Creates `path` with `data`, atomically and only if it does not exist yet: the temporary file is
 * hard-linked to the name (link(2) fails with EEXIST rather than replace), then removed.
 * @throws FileAccessError ("it already exists", or why it cannot be written)
 */
export function createFileAtomic(path: string, data: string | Uint8Array): void {
  ensureDirectory(dirname(resolve(path)));
  const temp = writeTemp(path, data);
  try {
    linkSync(temp, path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it already exists' : fileSystemReason(e);
    if (why) throw new FileAccessError(`${path}: cannot create the file (${why})`);
    throw e;
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Writes several files as one set: all new or all old (see the module header).
 * @throws FileAccessError naming the file that failed and why; every target then has its old content
 */
export function writeFileSet(files: readonly OutputFile[]): void {
  const targets = files.map((f) => resolve(f.path));
  if (new Set(targets).size !== targets.length) throw new FileAccessError(`the set of files to write names one file twice: ${targets.join(', ')}`);
  // 1. check
  for (const t of targets) {
    ensureDirectory(dirname(t));
    checkTarget(t);
  }
  // 2. write every temporary file
  const temps: string[] = [];
  try {
    files.forEach((f, i) => temps.push(writeTemp(targets[i], f.data)));
  } catch (e) {
    temps.forEach(removeQuietly);
    throw e;
  }
  if (files.length === 1) {
    // One file: rename replaces it in one step; nothing to roll back.
    try {
      fileAccess(targets[0], 'write the file', () => renameSync(temps[0], targets[0]));
    } catch (e) {
      removeQuietly(temps[0]);
      throw e;
    }
    return;
  }
  // 3. commit, keeping the old files until every new one is in place
  const committed: { target: string; backup?: string }[] = [];
  try {
    targets.forEach((t, i) => {
      let backup: string | undefined;
      if (lstatOrUndefined(t)) {
        backup = tempName(t, 'old');
        try {
          linkSync(t, backup);
        } catch {
          renameSync(t, backup); // no hard links here: move the old file aside instead
        }
      }
      committed.push({ target: t, backup });
      fileAccess(t, 'write the file', () => renameSync(temps[i], t));
    });
  } catch (e) {
    for (const { target, backup } of committed.reverse()) {
      try {
        if (backup) renameSync(backup, target);
        else removeQuietly(target);
      } catch {
        /* best effort: the error below names the file that failed */
      }
    }
    temps.forEach(removeQuietly);
    throw e;
  }
  for (const { backup } of committed) if (backup) removeQuietly(backup);
}
