/**
 * TinyGPT / TinyBERT weights from a safetensors file, read as untrusted input and checked against
 * the exact state_dict the config implies (tinyStateDictLayout in src/core/tiny-config.ts).
 *
 * Two layouts are accepted:
 *   - a plain PyTorch state_dict saved with safetensors
 *       (`safetensors.torch.save_file(model.state_dict(), "tinygpt.safetensors")`):
 *       `token_embed.weight`, `blocks.0.mh.heads.0.key.weight`, …, `lm_head.bias`;
 *   - this project's fixture files (fixtures/models/*.safetensors, scripts/export-fixtures.py),
 *       where the state_dict is stored as `param.<key>` beside `input.*`, `output.*`, `cotangent.*`
 *       and `grad.*` tensors. A file with any `param.*` entry is read this way: only the `param.*`
 *       entries are used, the other four prefixes are ignored, any other name is unexpected.
 *
 * Checks, each a MalformedInputError whose message starts with the file's path:
 *   - the container itself (readSafetensors: truncated files, bad headers, overlapping data, …);
 *   - every parameter and buffer present, nothing else: missing and unexpected names all listed,
 *     by their names in the file, in one error;
 *   - each tensor's dtype floating-point (F32; F64, F16 and BF16 are converted to float32) and its
 *     shape exactly the expected one (expected vs got);
 *   - every value finite;
 *   - TinyGPT's `tril` buffers equal to torch.tril(torch.ones(block_size, block_size)).
 * Messages about the state dict end with the model and config they were checked against, since a
 * checkpoint that does not fit is as often a wrong --config as a wrong file.
 */
import * as tf from '@tensorflow/tfjs-core';
import { leafFromFlat, unflatten } from '../core/state-dict.js';
import type { TinyModelParams } from '../reference/tiny-models.js';
import type { TfTinyModelParams } from '../tfjs/tiny-models.js';
import { MalformedInputError } from '../core/errors.js';
import { checkCount } from '../core/limits.js';
import { checkStateDict, readSafetensors, toFloat32, type ExpectedTensor, type SafeDType, type SafeTensor } from '../core/safetensors.js';
import { tinyStateDictLayout, tinyStateDictSize, type TinyConfig, type TinyKind } from '../core/tiny-config.js';

/** The dtypes a weight may be stored in; all are read as float32. */
export const WEIGHT_DTYPES: readonly SafeDType[] = ['F32', 'F64', 'F16', 'BF16'];

/** The prefix of the state_dict entries in this project's fixture files. */
export const FIXTURE_PARAM_PREFIX = 'param.';
/** The fixture files' other tensors (not weights), ignored by the loader. */
const FIXTURE_OTHER = /^(input|output|cotangent|grad)\./;

export interface LoadedTensor {
  shape: number[];
  /** Row-major values, float32. */
  values: Float32Array;
}

export interface LoadedTinyWeights {
  /** The state_dict keys (without any `param.` prefix), in PyTorch's registration order. */
  names: string[];
  /** Every parameter and buffer by state_dict key. */
  tensors: Map<string, LoadedTensor>;
  /** Which of the two layouts the file had. */
  layout: 'state_dict' | 'fixture';
  /** The path the weights were read from. */
  source: string;
}

function describeConfig(kind: TinyKind, c: TinyConfig): string {
  return `${kind} with vocab_size ${c.vocab_size}, block_size ${c.block_size}, n_embed ${c.n_embed}, n_head ${c.n_head}, n_layer ${c.n_layer}`;
}

/**
 * Reads `path` and checks it holds exactly the weights of a `kind` model with `config`.
 *
 * The fixture layout (`param.<key>` beside `input.`/`output.`/`cotangent.`/`grad.` tensors) is
 * recognised by its `param.` entries; then only those are used and the returned names drop the
 * prefix. Error messages name tensors as they are written in the file.
 *
 * @throws MalformedInputError naming the file and the problem (see the module header);
 *   FileAccessError (missing, a directory, not a regular file); ResourceLimitError when the
 *   config's state_dict has more entries than any accepted file, or the data exceed the memory limit
 *
 * @example
 *   const w = loadTinyWeights('fixtures/models/tinygpt.safetensors', 'tinygpt', config);
 *   w.layout; // returns 'fixture'
 *   w.tensors.get('token_embed.weight')?.shape; // returns [48, 32]
 */
export function loadTinyWeights(path: string, kind: TinyKind, config: TinyConfig): LoadedTinyWeights {
  // The layout lists every entry: bound it before building it (n_layer = 10^8 would list 10^9).
  checkCount('tensors', `${describeConfig(kind, config)}: its state_dict has ${tinyStateDictSize(kind, config).toLocaleString('en-US')} entries`, tinyStateDictSize(kind, config));
  const { tensors: all } = readSafetensors(path);
  const layout = tinyStateDictLayout(kind, config);
  const fixture = [...all.keys()].some((k) => k.startsWith(FIXTURE_PARAM_PREFIX));
  const prefix = fixture ? FIXTURE_PARAM_PREFIX : '';
  const candidates = new Map<string, SafeTensor>([...all].filter(([name]) => !(fixture && FIXTURE_OTHER.test(name))));

  const expected: Record<string, ExpectedTensor> = {};
  for (const [name, entry] of layout) expected[prefix + name] = { shape: entry.shape, dtype: [...WEIGHT_DTYPES] };
  const where = `checked against ${describeConfig(kind, config)}; ${fixture ? 'fixture layout: only the param.* entries are weights' : 'plain state_dict layout'}`;
  try {
    checkStateDict(candidates, expected, path);
  } catch (e) {
    if (e instanceof MalformedInputError) throw new MalformedInputError(`${e.message} (${where})`);
    throw e;
  }

  const names = [...layout.keys()];
  const tensors = new Map<string, LoadedTensor>();
  for (const name of names) {
    const stored = prefix + name;
    const t = candidates.get(stored) as SafeTensor;
    const values = toFloat32(t);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new MalformedInputError(`${path}: tensor ${JSON.stringify(stored)} holds ${values[i]} at flat index ${i}${t.dtype === 'F32' ? '' : ` (after conversion from ${t.dtype} to float32)`}; weights must be finite`);
      }
    }
    if (layout.get(name)?.buffer && name.endsWith('.tril')) checkTril(values, config.block_size, stored, path);
    tensors.set(name, { shape: [...t.shape], values });
  }
  return { names, tensors, layout: fixture ? 'fixture' : 'state_dict', source: path };
}

/** A causal head's buffer must be torch.tril(torch.ones(T, T)): ones on and below the diagonal. */
function checkTril(values: Float32Array, T: number, name: string, path: string): void {
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const want = j <= i ? 1 : 0;
      const got = values[i * T + j];
      if (got !== want) {
        throw new MalformedInputError(
          `${path}: buffer ${JSON.stringify(name)} must be the causal mask torch.tril(torch.ones(${T}, ${T})) (ones on and below the diagonal, zeros above), but entry [${i}][${j}] is ${got}, expected ${want}`,
        );
      }
    }
  }
}

/** The parameter tree for the float64 reference (src/reference/tiny-models.ts): matrices and vectors. */
export function referenceTinyParams(loaded: LoadedTinyWeights): TinyModelParams<number> {
  return unflatten(loaded.names.map((n) => [n, leafFromFlat(loaded.tensors.get(n)!, n)])) as unknown as TinyModelParams<number>;
}

/**
 * The parameter tree for TensorFlow.js (src/tfjs/tiny-models.ts), one float32 tensor per entry.
 * Needs an initialised backend (initBackend in src/core/backend.ts). The caller owns the tensors:
 * `tf.dispose(params)` frees them all.
 */
export function tfjsTinyParams(loaded: Pick<LoadedTinyWeights, 'names' | 'tensors'>): TfTinyModelParams {
  return unflatten(
    loaded.names.map((n) => {
      const t = loaded.tensors.get(n)!;
      return [n, tf.tensor(t.values, t.shape, 'float32')];
    }),
  ) as unknown as TfTinyModelParams;
}
