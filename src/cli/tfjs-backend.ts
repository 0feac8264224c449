/**
 * The CLI's two backends in one place: what the reference is called in a command's output, and
 * starting tfjs on first use (imported lazily, so a reference-only command never loads it).
 */

/** What a command prints for the float64 reference. */
export const REFERENCE_SUMMARY = 'reference (float64, src/reference/)';

export interface TfjsContext {
  /** "tfjs:wasm": what ran, for JSON output. */
  name: string;
  /** "tfjs (float32, src/tfjs/) on …": the backend that runs and why (src/core/backend.ts). */
  summary: string;
}

export async function startTfjs(): Promise<TfjsContext> {
  const { initBackend } = await import('../core/backend.js');
  const report = await initBackend();
  return { name: `tfjs:${report.choice}`, summary: `tfjs (float32, src/tfjs/) on ${report.summary}` };
}
