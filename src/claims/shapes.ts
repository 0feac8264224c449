/**
 * Evaluators for the tensor and shape claims (CLAIMS.md §1). Shapes are read off tensors and
 * arrays that the implementations actually produced, never computed on paper.
 */
import { SpecError } from '../core/errors.js';
import { MODEL_CONFIGS, parameterCount } from '../core/model-configs.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf } from '../core/shape.js';
import { input, type Evaluator } from './types.js';

const tensorInfo: Evaluator = async (impl, claim) => {
  const info = await impl.tensor(input(claim, 'values'));
  return { shape: info.shape, rank: info.rank };
};

/** Stacks the token embeddings the deck assigns into X (n × d_model) and reads its shape. */
const embeddingMatrix: Evaluator = async (impl, claim) => {
  const emb = input<Record<string, number[]>>(claim, 'embeddings');
  const X = impl.lift(input<string[]>(claim, 'tokens').map((t) => emb[t]));
  return { X: shapeOf(X) };
};

/** The deck's running example: seq_len, d_model, heads → every intermediate of real MHA code. */
const mhaExample: Evaluator = async (impl, claim) => {
  const [n, dModel, nHeads] = input<number[]>(claim, 'seqLenDModelHeads');
  const rng = seededRng(13);
  const m = (r: number, c: number) => impl.lift(randomMatrix(rng, r, c, 1 / Math.sqrt(c)));
  const x = m(n, dModel);
  const r = await impl.multiHeadAttention(x, x, { wQ: m(dModel, dModel), wK: m(dModel, dModel), wV: m(dModel, dModel), wO: m(dModel, dModel) }, { nHeads });
  return {
    X: shapeOf(x),
    dK: r.dK,
    heads: r.heads.length,
    wQPerHead: shapeOf(r.wQHeads[0]),
    qPerHead: shapeOf(r.q[0]),
    kPerHead: shapeOf(r.k[0]),
    vPerHead: shapeOf(r.v[0]),
    scores: shapeOf(r.scores[0]),
    outputPerHead: shapeOf(r.heads[0]),
    concat: shapeOf(r.concat),
    output: shapeOf(r.output),
  };
};

export const shapeEvaluators: Record<string, Evaluator> = {
  'tuning.shapes.one-element-tensor': tensorInfo,
  'tuning.shapes.vector-tensor': tensorInfo,
  'tuning.shapes.matrix-tensor': tensorInfo,
  'tuning.shapes.unsqueeze': async (impl, claim) => {
    const info = await impl.unsqueeze(input(claim, 'values'), 0);
    return { shape: info.shape, rank: info.rank };
  },
  'tuning.shapes.numpy-printout': async (impl, claim) => {
    const info = await impl.unsqueeze(input(claim, 'values'), 0);
    return { values: info.values, shape: info.shape };
  },
  'interview.shapes.deep-learning-is-powerful': embeddingMatrix,
  'interview.shapes.the-cat-sat': embeddingMatrix,
  'interview.shapes.x-in-r-4x512': embeddingMatrix,
  'interview.shapes.mha-table': mhaExample,
  'interview.shapes.concat-4x8': mhaExample,
  'interview.shapes.d-model-512-heads-8': mhaExample,
  'interview.shapes.matmul-rule': async (impl) => {
    const rng = seededRng(19);
    const [a, b] = [impl.lift(randomMatrix(rng, 5, 4)), impl.lift(randomMatrix(rng, 4, 5))];
    let innerMismatch = 'no error';
    try {
      await impl.matMul(a, a); // (5×4)(5×4): inner dimensions 4 and 5 differ
    } catch (e) {
      innerMismatch = e instanceof SpecError ? e.code : (e as Error).message.includes('must match') ? 'SHAPE_MISMATCH' : String(e);
    }
    return { product: shapeOf(await impl.matMul(a, b)), innerMismatch };
  },
  'interview.shapes.d-model-table': async () => {
    const d = (k: string) => MODEL_CONFIGS[k].dModel;
    return {
      dModel: [d('bert-base'), d('gpt2'), d('gpt3'), d('llama-7b')],
      bertBaseParameters: Number(parameterCount(MODEL_CONFIGS['bert-base'])),
      gpt2Parameters: Number(parameterCount(MODEL_CONFIGS.gpt2)),
      llama7bParameters: Number(parameterCount(MODEL_CONFIGS['llama-7b'])),
      gpt3ParametersBillions: Number(parameterCount(MODEL_CONFIGS.gpt3)) / 1e9,
    };
  },
};
