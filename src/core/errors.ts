/**
 * Errors that name the problem. Every public function of the project validates its inputs and
 * throws one of these instead of returning NaN or broadcasting silently.
 *
 * `code` is stable and machine-readable (specs assert on it); the message names the argument,
 * what was expected and what was received.
 */
export type SpecErrorCode =
  | 'SHAPE_MISMATCH'
  | 'BAD_RANK'
  | 'NON_FINITE'
  | 'OUT_OF_RANGE'
  | 'BAD_ARGUMENT'
  | 'MALFORMED_INPUT'
  | 'UNKNOWN_CLAIM'
  | 'BACKEND_UNAVAILABLE'
  | 'TENSOR_LEAK'
  | 'INTERNAL'
  | 'EVIDENCE_ABSENT'
  | 'OVER_LIMIT'
  | 'FILE_ACCESS';

export class SpecError extends Error {
  constructor(
    readonly code: SpecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Shapes that cannot be combined, or a tensor of the wrong rank. */
export class ShapeError extends SpecError {
  constructor(message: string, code: 'SHAPE_MISMATCH' | 'BAD_RANK' = 'SHAPE_MISMATCH') {
    super(code, message);
    this.name = 'ShapeError';
  }
}

/** NaN or ±Infinity where a finite number is required. */
export class NonFiniteError extends SpecError {
  constructor(message: string) {
    super('NON_FINITE', message);
    this.name = 'NonFiniteError';
  }
}

/** A number outside its allowed range (negative position, odd dimension, k ≤ 0, ...). */
export class RangeArgumentError extends SpecError {
  constructor(message: string) {
    super('OUT_OF_RANGE', message);
    this.name = 'RangeArgumentError';
  }
}

/** A wrong kind of argument (not an array, ragged rows, unknown option value). */
export class ArgumentError extends SpecError {
  constructor(message: string) {
    super('BAD_ARGUMENT', message);
    this.name = 'ArgumentError';
  }
}

/** Malformed user input: bad JSON on the command line, a golden file that breaks its schema. */
export class MalformedInputError extends SpecError {
  constructor(message: string) {
    super('MALFORMED_INPUT', message);
    this.name = 'MalformedInputError';
  }
}

/** A tfjs computation left tensors alive that nobody owns (the adapters' leak guard, src/ops/convert.ts). */
export class LeakError extends SpecError {
  constructor(message: string) {
    super('TENSOR_LEAK', message);
    this.name = 'LeakError';
  }
}

/**
 * A broken invariant of the project itself (a golden record without an input its evaluator needs,
 * a registry row that does not match its op): a bug to report, not a user's mistake.
 */
export class InternalError extends SpecError {
  constructor(message: string) {
    super('INTERNAL', message);
    this.name = 'InternalError';
  }
}

/**
 * A reproduction claim's recorded run is missing or does not follow the claim's protocol (another
 * model, fewer steps): the claim cannot be judged. Names the file and the command that writes it.
 */
export class EvidenceAbsentError extends SpecError {
  constructor(
    readonly file: string,
    readonly command: string,
    reason: string,
  ) {
    super('EVIDENCE_ABSENT', `${reason}; record it with \`${command}\``);
    this.name = 'EvidenceAbsentError';
  }
}

/**
 * A request that would need more memory, a larger file or more entries than a stated limit
 * (src/core/limits.ts). The message names the request, the estimate, the limit and how to raise it.
 */
export class ResourceLimitError extends SpecError {
  constructor(message: string) {
    super('OVER_LIMIT', message);
    this.name = 'ResourceLimitError';
  }
}

/**
 * A file or folder the project cannot read or write: missing, a directory where a file belongs,
 * not a regular file (a FIFO, a device), no permission, a full disk or a file-size limit. The
 * message starts with the path and says why; nothing was half-written (src/core/atomic-write.ts).
 */
export class FileAccessError extends SpecError {
  constructor(message: string) {
    super('FILE_ACCESS', message);
    this.name = 'FileAccessError';
  }
}

/**
 * A value, or a step of a computation, outside float32's finite range (|x| > 3.4028235e38): every
 * implementation refuses it the same way (see src/core/numeric-conventions.ts) instead of
 * answering differently.
 */
export class Float32RangeError extends RangeArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'Float32RangeError';
  }
}
