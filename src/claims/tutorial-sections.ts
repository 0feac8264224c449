/**
 * Reads the code and prose of one numbered section of the tutorial ("GenAI Tutorial 2025: LLMs From
 * Scratch", short id `scratch`) at run time, for the claims about what a section defines and
 * loads. The project stores none of the tutorial's text; it reads ../shared/seeds/ as the
 * tokenisation claims do (src/claims/tutorial-text.ts).
 *
 *   section body   from the line "5.1 Implementation" (the heading in the body, not the contents
 *                  table, whose entries carry page numbers) to the next numbered heading
 *   assignments    NAME = "…" written with spaces around "=" (statements and the prose's
 *                  `model_name = "gpt2"`); keyword arguments (name="…") are not assignments
 *   loads          the first argument of every from_pretrained(…) call, in order
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { tutorialPath, TutorialTextError } from './tutorial-text.js';

export interface TutorialSection {
  heading: string;
  body: string;
  /** Names assigned a string literal, in order. */
  assigns: string[];
  /** First arguments of from_pretrained(…), in order. */
  loads: string[];
}

function source(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message;
    throw new TutorialTextError(`the section claims read the tutorial "LLMs From Scratch" from ${relative(process.cwd(), path) || path} (${why}); the project expects the shared/ folder beside its checkout (../shared/seeds/)`);
  }
}

/** The body of section `number` ("5.1"), with the names it assigns and loads. */
export function readTutorialSection(number: string, path = tutorialPath()): TutorialSection {
  const lines = source(path).split('\n');
  const isHeading = (l: string) => /^\d+(\.\d+)+ \S/.test(l.trim()) && !/\t\d+$/.test(l);
  const start = lines.findIndex((l) => isHeading(l) && l.trim().startsWith(`${number} `));
  if (start < 0) throw new TutorialTextError(`${path} has no section ${number} heading: is it the tutorial "LLMs From Scratch"?`);
  const next = lines.findIndex((l, i) => i > start && isHeading(l));
  const body = lines.slice(start + 1, next < 0 ? undefined : next).join('\n');
  return {
    heading: lines[start].trim(),
    body,
    assigns: [...body.matchAll(/(?:^|[\s`*])([A-Za-z_]\w*) = ["'][^"'\n]*["']/gm)].map((m) => m[1]),
    loads: [...body.matchAll(/from_pretrained\(\s*([A-Za-z_]\w*)/g)].map((m) => m[1]),
  };
}
