/**
 * The CLI's two backends in one place: what the reference is called in a command's output, and
 * starting tfjs on first use (imported lazily, so a reference-only command never loads it).
 *
 * tfjs runs where TFJS_BACKEND says: in this process on Node's backends (src/core/backend.ts), or,
 * for tfjs's GPU backends (TFJS_BACKEND=webgl|webgpu), in a headless-Chromium page
 * (src/browser/runner.ts) that runs the same tasks (src/cli/tfjs-tasks.ts) on the GPU backend and
 * sends their plain results back. A command asks for its task through `run` and calls `close`.
 */
import type { BrowserBackend, BrowserBackendName, BrowserSession } from '../browser/runner.js';
import type { TfjsTaskArgs, TfjsTaskName, TfjsTaskResult } from './tfjs-tasks.js';

/** What a command prints for the float64 reference. */
export const REFERENCE_SUMMARY = 'reference (float64, src/reference/)';

export interface TfjsContext {
  /** "tfjs:wasm": what ran, for JSON output. */
  name: string;
  /** "tfjs (float32, src/tfjs/) on …": the backend that runs and why (src/core/backend.ts). */
  summary: string;
  /** Runs one of the CLI's tfjs tasks on this backend. */
  run<K extends TfjsTaskName>(task: K, args: TfjsTaskArgs<K>): Promise<TfjsTaskResult<K>>;
  /** Frees what starting took (the browser, for a GPU backend). */
  close(): Promise<void>;
}

export async function startTfjs(): Promise<TfjsContext> {
  const { isBrowserBackend, parseBackendChoice, initBackend } = await import('../core/backend.js');
  const choice = parseBackendChoice(process.env.TFJS_BACKEND);
  if (choice && isBrowserBackend(choice)) {
    const { backend: b, close } = await openBrowserBackend(choice);
    return {
      name: `tfjs:${choice}`,
      summary: `tfjs (float32, src/tfjs/) on ${b.report.summary} (forced by TFJS_BACKEND)`,
      run: (task, args) => b.call('cli', { task, args }, `${task} on ${choice}`),
      close,
    };
  }
  const report = await initBackend();
  const { runTfjsTask } = await import('./tfjs-tasks.js');
  return { name: `tfjs:${report.choice}`, summary: `tfjs (float32, src/tfjs/) on ${report.summary}`, run: runTfjsTask, close: async () => {} };
}

/** Starts tfjs, runs one task, and closes what it started. */
export async function onTfjs<K extends TfjsTaskName>(task: K, args: TfjsTaskArgs<K>): Promise<{ value: TfjsTaskResult<K>; name: string; summary: string }> {
  const ctx = await startTfjs();
  try {
    return { value: await ctx.run(task, args), name: ctx.name, summary: ctx.summary };
  } finally {
    await ctx.close();
  }
}

/** A browser session the caller keeps open for many commands (a spec running the CLI in-process), with one page per backend. */
let shared: { session: BrowserSession; pages: Map<BrowserBackendName, Promise<BrowserBackend>> } | null = null;

/**
 * Lets commands run in this process reuse `session` (and one page per GPU backend, whose shader
 * programs stay compiled) instead of starting Chromium each time; null goes back to one browser
 * per command. The caller closes the session.
 */
export function shareBrowserSession(session: BrowserSession | null): void {
  shared = session ? { session, pages: new Map() } : null;
}

/** A page on a GPU backend: the shared session's, or a browser of its own that `close` shuts. */
export async function openBrowserBackend(choice: BrowserBackendName): Promise<{ backend: BrowserBackend; close(): Promise<void> }> {
  if (shared) {
    const s = shared;
    if (!s.pages.has(choice)) s.pages.set(choice, s.session.open({ backend: choice }));
    return { backend: await s.pages.get(choice)!, close: async () => {} };
  }
  const { openBrowserSession } = await import('../browser/runner.js');
  const session = await openBrowserSession();
  try {
    return { backend: await session.open({ backend: choice }), close: () => session.close() };
  } catch (e) {
    await session.close();
    throw e;
  }
}
