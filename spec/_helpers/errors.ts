/**
 * The one way specs check a named error: the call throws an instance of the expected SpecError
 * subclass, with the expected code, and a message that names the problem.
 */
import { expect } from 'vitest';
import type { SpecError, SpecErrorCode } from '../../src/core/errors.js';

export type ErrorClass = new (...args: never[]) => SpecError;

/** Runs f, which must throw an instance of `cls` with `code` and a message matching `message`. */
export function expectSpecError(f: () => unknown, cls: ErrorClass, code: SpecErrorCode, message: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected the call to throw').toBeDefined();
  expect(error).toBeInstanceOf(cls);
  expect((error as SpecError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}
