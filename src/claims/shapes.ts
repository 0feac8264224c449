/**
 * Evaluators for the tensor and shape claims (CLAIMS.md §1). Shapes are read off tensors and
 * arrays that the implementations actually produced, never computed on paper.
 */
import { SpecError } from '../core/errors.js';
import { MODEL_CONFIGS, parameterCount } from '../core/model-configs.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf } from '../core/shape.js';
import { transpose } from '../reference/linear-algebra.js';
import { input, type Evaluator } from './types.js';

/** The error code a product with mismatched inner dimensions raises on this implementation ('no error' if none). */
async function matMulFailure(impl: Parameters<Evaluator>[0], a: unknown[][], b: unknown[][]): Promise<string> {
  try {
    await impl.matMul(a, b);
    return 'no error';
  } catch (e) {
    // the reference raises ShapeError; tfjs' own message says the inner dimensions "must match"
    return e instanceof SpecError ? e.code : (e as Error).message.includes('must match') ? 'SHAPE_MISMATCH' : String(e);
  }
}

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
    return { product: shapeOf(await impl.matMul(a, b)), innerMismatch: await matMulFailure(impl, a, a) }; // (5×4)(5×4): inner dimensions 4 and 5 differ
  },
  'interview.shapes.q-projection-transpose': async (impl, claim) => {
    const [n, dModel, dK] = input<number[]>(claim, 'seqLenDModelDk');
    const rng = seededRng(23);
    const X = randomMatrix(rng, n, dModel);
    const W = randomMatrix(rng, dK, dModel, 1 / Math.sqrt(dModel)); // the query layer's weight as nn.Linear stores it: (d_k × d_model)
    const WT = transpose(W); // (d_model × d_k): the slide's Wᵀ, and the deck's W_Q
    const viaTranspose = await impl.matMul(impl.lift(X), impl.lift(WT)); // X Wᵀ: (n × d_model)(d_model × d_k)
    // the deck's other formula, Q = X W_Q, as multi-head attention computes it: head 0 of 2 with W_Q = Wᵀ
    const other = randomMatrix(rng, dModel, dK, 1 / Math.sqrt(dModel));
    const wQ = WT.map((row, i) => [...row, ...other[i]]); // (d_model × 2·d_k): heads side by side
    const square = impl.lift(randomMatrix(rng, dModel, 2 * dK));
    const viaWQ = (await impl.multiHeadAttention(impl.lift(X), impl.lift(X), { wQ: impl.lift(wQ), wK: square, wV: square, wO: impl.lift(randomMatrix(rng, 2 * dK, dModel)) }, { nHeads: 2 })).q[0];
    const F = impl.F;
    return {
      qShape: shapeOf(viaTranspose),
      slideWTransposedShape: shapeOf(WT),
      slideWShape: shapeOf(W),
      deckWQShape: shapeOf(WT),
      sameQEitherWay: Math.max(...viaTranspose.flatMap((r, i) => r.map((v, j) => Math.abs(F.toNumber(F.sub(v, viaWQ[i][j])))))),
      xTimesDeckWQTransposed: await matMulFailure(impl, impl.lift(X), impl.lift(W)), // X W_Qᵀ = (n × d_model)(d_k × d_model)
    };
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
