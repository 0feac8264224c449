/**
 * Evaluators for the block-structure claims (CLAIMS.md §5): Add & Norm placement, the FFN,
 * LayerNorm vs BatchNorm, GELU, the decoder's sub-layers, and what TinyBERT's head predicts.
 * Where a claim is about the tutorial's code, it runs on the PyTorch fixtures exported from that
 * code's structure (fixtures/), so "the code does X" is measured, not asserted.
 */
import { loadFixture, nested, referenceParams } from '../core/fixtures.js';
import { randomMatrix, seededRng } from '../core/random.js';
import { shapeOf, type Matrix } from '../core/shape.js';
import { baseParameterCount, moduleParameters, modulesOf, registryModel, TINY_REGISTRY } from '../core/parameter-accounting.js';
import { PYTORCH_PARITY } from '../core/tolerance.js';
import { tinyStateDictLayout, validateTinyConfig, type TinyKind } from '../core/tiny-config.js';
import type { BlockParams } from '../reference/transformer-block.js';
import { transpose } from '../reference/linear-algebra.js';
import { flat, input, maxAbsDiff, type Evaluator } from './types.js';
import type { ArrayImpl } from '../ops/implementations.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Impl = ArrayImpl<any>;
const num = (impl: Impl, m: unknown[][]): number[][] => m.map((r) => r.map((x) => impl.F.toNumber(x)));

/** The block fixture's weights, first sequence of its input, and PyTorch's output for it. */
function blockFixture(impl: Impl) {
  const f = loadFixture('layers/block.safetensors');
  const x = (nested(f.input.get('x')!) as Matrix[])[0];
  const y = (nested(f.output.get('y')!) as Matrix[])[0];
  const p = referenceParams(f.param) as unknown as BlockParams<number>;
  return { x: impl.lift(x), y, params: impl.liftTree(p), raw: p };
}

/** Zero the output projection of both sub-layers: each sub-layer then outputs exactly 0. */
function zeroSubLayers(p: BlockParams<number>): BlockParams<number> {
  const zeroM = (m: number[][]) => m.map((r) => r.map(() => 0));
  const zeroV = (v: number[]) => v.map(() => 0);
  return {
    ...p,
    mh: { ...p.mh, proj: { weight: zeroM(p.mh.proj.weight), bias: zeroV(p.mh.proj.bias!) } },
    ff: { net: [p.ff.net[0], undefined as never, { weight: zeroM(p.ff.net[2].weight), bias: zeroV(p.ff.net[2].bias!) }] },
  };
}

/** A tiny model's fixture: config, parameters (lifted) and its first sequence of tokens. */
function tinyFixture(impl: Impl, kind: TinyKind) {
  const f = loadFixture(`models/${kind}.safetensors`);
  const c = f.config as Record<string, number>;
  const config = validateTinyConfig({ vocab_size: c.vocab_size, block_size: c.block_size, n_embed: c.n_embed, n_head: c.n_head, n_layer: c.n_layer, dropout: c.dropout });
  return { config, params: impl.liftTree(referenceParams(f.param)) as never, idx: (nested(f.input.get('idx')!) as number[][])[0] };
}

/** Largest change of the logits at positions before `at` when only the token at `at` changes. */
async function earlierPositionsChange(impl: Impl, kind: TinyKind, at: number): Promise<number> {
  const { config, params, idx } = tinyFixture(impl, kind);
  const changed = idx.map((tok, t) => (t === at ? (tok + 1) % config.vocab_size : tok));
  const a = num(impl, (await impl.tinyModel(kind, config, params, [idx])).logits[0]);
  const b = num(impl, (await impl.tinyModel(kind, config, params, [changed])).logits[0]);
  return maxAbsDiff(a.slice(0, at), b.slice(0, at));
}

/** GPT-2's sub-modules of block 0 in named_modules() order, without the block prefix (ln_1, attn, …). */
function gpt2BlockChildren(): string[] {
  const names = modulesOf(registryModel('gpt2')).filter((m) => m.layer === 0).map((m) => m.name.split('.')[3]);
  return [...new Set(names)];
}

export const blockEvaluators: Record<string, Evaluator> = {
  'scratch.blocks.norm-placement': async (impl) => {
    const { x, y, params } = blockFixture(impl);
    const pre = num(impl, await impl.block(x, params)); // the printed Block: LN before each sub-layer
    const post = num(impl, await impl.encoderLayer(x, { self_attn: params.mh, ln1: params.ln1, ff: params.ff, ln2: params.ln2 }, 'gelu')); // the text: LN after each residual sum
    return { codeMatchesPreLn: maxAbsDiff(pre, y), textFormVsCode: maxAbsDiff(post, y) };
  },
  'scratch.blocks.decoder-sublayers': async () => {
    const layout = tinyStateDictLayout('tinygpt', validateTinyConfig({ vocab_size: 48, block_size: 16 }));
    const block0 = [...layout.keys()].filter((n) => n.startsWith('blocks.0.'));
    const modules = new Set(block0.map((n) => n.split('.')[2])); // mh, ff, ln1, ln2
    const attention = [...modules].filter((m) => block0.some((n) => n.startsWith(`blocks.0.${m}.heads.`)));
    const residualSubLayers = [...modules].filter((m) => m !== 'ln1' && m !== 'ln2');
    return { attentionSubLayers: attention.length, subLayers: residualSubLayers.length };
  },
  'scratch.blocks.bert-head-next-token': async (impl) => {
    const { config, params, idx } = tinyFixture(impl, 'tinybert');
    const changed = idx.map((tok, t) => (t === 3 ? (tok + 1) % config.vocab_size : tok)); // change the token after position 2
    const a = num(impl, (await impl.tinyModel('tinybert', config, params, [idx])).logits[0]);
    const b = num(impl, (await impl.tinyModel('tinybert', config, params, [changed])).logits[0]);
    return { position2SeesToken3: maxAbsDiff(a[2], b[2]) };
  },
  'interview.blocks.residual-fallback': async (impl) => {
    const { x, raw } = blockFixture(impl);
    const zeroed = impl.liftTree(zeroSubLayers(raw));
    const xs = num(impl, x);
    const pre = num(impl, await impl.block(x, zeroed));
    const post = num(impl, await impl.encoderLayer(x, { self_attn: zeroed.mh, ln1: zeroed.ln1, ff: zeroed.ff, ln2: zeroed.ln2 }, 'gelu'));
    const lnOfLnOfX = num(impl, await impl.layerNorm(await impl.layerNorm(x, zeroed.ln1), zeroed.ln2));
    return { preLnIdentityError: maxAbsDiff(pre, xs), postLnEqualsLayerNormOfX: maxAbsDiff(post, lnOfLnOfX), postLnDistanceFromX: maxAbsDiff(post, xs) };
  },
  'interview.blocks.ffn-dimensions': async (impl, claim) => {
    const [n, dModel, dff] = input<number[]>(claim, 'nDModelDff');
    const rng = seededRng(83);
    const w1 = randomMatrix(rng, dff, dModel, 1 / Math.sqrt(dModel)); // net.0.weight (d_ff × d_model)
    const w2 = randomMatrix(rng, dModel, dff, 1 / Math.sqrt(dff)); // net.2.weight (d_model × d_ff)
    const p = impl.liftTree({ net: [{ weight: w1, bias: new Array(dff).fill(0.01) }, undefined, { weight: w2, bias: new Array(dModel).fill(0.01) }] });
    const x = randomMatrix(rng, n, dModel);
    const hidden = await impl.matMul(impl.lift(x), impl.lift(transpose(w1))); // x W₁ᵀ: the expanded representation (n × d_ff)
    const y = num(impl, await impl.feedForward(impl.lift(x), p as never, 'relu'));
    const x2 = x.map((row, i) => (i === 0 ? row.map((v) => v + 1) : row)); // change token 0 only
    const y2 = num(impl, await impl.feedForward(impl.lift(x2), p as never, 'relu'));
    return { hiddenShape: shapeOf(hidden), outputShape: shapeOf(y), otherTokensChange: maxAbsDiff(y.slice(1), y2.slice(1)) };
  },
  'interview.blocks.layernorm-simplified': async (impl) => {
    const x = impl.lift(randomMatrix(seededRng(89), 4, 8, 2));
    const simplified = num(impl, await impl.layerNorm(x, null, 0)); // (x − μ)/σ
    const torchDefault = num(impl, await impl.layerNorm(x, null, 1e-5));
    const rows = simplified.map((r) => ({ mean: r.reduce((a, b) => a + b, 0) / r.length, v: r.reduce((a, b) => a + b * b, 0) / r.length }));
    return {
      meanOfNormalised: Math.max(...rows.map((r) => Math.abs(r.mean))),
      varianceOfNormalised: Math.max(...rows.map((r) => Math.abs(r.v - r.mean ** 2 - 1))),
      epsilonEffect: maxAbsDiff(simplified, torchDefault),
    };
  },
  'interview.blocks.layernorm-vs-batchnorm': async (impl) => {
    const rng = seededRng(97);
    const x = randomMatrix(rng, 6, 8, 2); // 6 samples (or tokens) × 8 features
    const other = x.map((row, i) => (i === 5 ? row.map((v) => 3 * v + 1) : row)); // change sample 5 only
    const ln = [num(impl, await impl.layerNorm(impl.lift(x), null)), num(impl, await impl.layerNorm(impl.lift(other), null))];
    const bn = [num(impl, await impl.batchNorm(impl.lift(x), null)), num(impl, await impl.batchNorm(impl.lift(other), null))];
    return {
      layerNormIgnoresOtherSamples: maxAbsDiff(ln[0].slice(0, 5), ln[1].slice(0, 5)),
      batchNormDependsOnOtherSamples: maxAbsDiff(bn[0].slice(0, 5), bn[1].slice(0, 5)),
      batchNormColumnMean: Math.max(...bn[0][0].map((_, c) => Math.abs(bn[0].reduce((s, r) => s + r[c], 0) / bn[0].length))),
    };
  },
  'scratch.blocks.gelu-definition': async (impl, claim) => {
    const points = input<number[]>(claim, 'points');
    const grid = Array.from({ length: 1201 }, (_, i) => -6 + i / 100);
    const g = num(impl, await impl.activation(impl.lift([grid]), 'gelu'))[0];
    const gt = num(impl, await impl.activation(impl.lift([grid]), 'gelu-tanh'))[0];
    return {
      geluAtPoints: (await impl.activation(impl.lift([points]), 'gelu'))[0],
      tanhApproximationGap: maxAbsDiff(g, gt),
      smallestValue: Math.min(...g),
    };
  },
  'interview.blocks.decoder-stack-add-norm': async (impl) => {
    const f = loadFixture('layers/decoder-layer-post-ln.safetensors');
    const x = impl.lift((nested(f.input.get('x')!) as Matrix[])[0]);
    const memory = impl.lift((nested(f.input.get('memory')!) as Matrix[])[0]);
    const raw = referenceParams(f.param) as Record<string, unknown>;
    const run = async (p: Record<string, unknown>) => num(impl, await impl.decoderLayer(x, memory, impl.liftTree(p) as never, 'relu'));
    const base = await run(raw);
    const isNorm = (v: unknown) => typeof v === 'object' && v !== null && Array.isArray((v as { weight?: unknown }).weight) && typeof (v as { weight: unknown[] }).weight[0] === 'number';
    // an Add & Norm step is applied when scaling its LayerNorm's γ changes the layer's output
    const norms = Object.keys(raw).filter((k) => isNorm(raw[k]));
    let addNormSteps = 0;
    for (const k of norms) {
      const ln = raw[k] as { weight: number[]; bias: number[] };
      if (maxAbsDiff(await run({ ...raw, [k]: { ...ln, weight: ln.weight.map((w) => 2 * w) } }), base) > 1e-3) addNormSteps += 1;
    }
    // a sub-layer is one whose output projection, zeroed, changes the output
    const zero = (m: number[][]) => m.map((r) => r.map(() => 0));
    let subLayers = 0;
    for (const k of ['self_attn', 'cross_attn', 'ff']) {
      const p = raw[k] as { proj?: { weight: number[][]; bias: number[] }; net?: Array<{ weight: number[][]; bias: number[] }> };
      const zeroed = p.proj ? { ...p, proj: { weight: zero(p.proj.weight), bias: p.proj.bias.map(() => 0) } } : { net: p.net!.map((l, i) => (i === p.net!.length - 1 ? { weight: zero(l.weight), bias: l.bias.map(() => 0) } : l)) };
      if (maxAbsDiff(await run({ ...raw, [k]: zeroed }), base) > 1e-3) subLayers += 1;
    }
    const ys = nested(f.output.get('y')!) as Matrix[];
    return { addNormSteps, subLayers, decoderLayerVsPyTorch: maxAbsDiff(base, ys[0]) };
  },
  'interview.blocks.gpt-cross-attention': async () => {
    const children = gpt2BlockChildren();
    const layout = tinyStateDictLayout('tinygpt', TINY_REGISTRY.tinygpt);
    const tinyChildren = new Set([...layout.keys()].filter((n) => n.startsWith('blocks.0.') && n.includes('.heads.')).map((n) => n.split('.')[2]));
    return {
      gpt2AttentionSubLayers: children.filter((c) => /attn|attention/.test(c)).length,
      gpt2SubLayers: children.filter((c) => !c.startsWith('ln')),
      tinyGptAttentionSubLayers: tinyChildren.size,
    };
  },
  'course.blocks.gpt-decoder-post-ln': async (impl) => {
    const gpt2 = registryModel('gpt2');
    const children = gpt2BlockChildren(); // ln_1, attn, ln_2, mlp
    const normFirst = ['attn', 'mlp'].every((sub) => {
      const i = children.indexOf(sub);
      return i > 0 && children[i - 1].startsWith('ln');
    });
    const lastBlock = Math.max(...modulesOf(gpt2).map((m) => m.layer ?? -1));
    const lastInBlocks = modulesOf(gpt2).reduce((at, m, i) => (m.layer === lastBlock ? i : at), -1);
    const afterBlocks = modulesOf(gpt2).slice(lastInBlocks + 1);
    const finalNorm = afterBlocks.find((m) => m.kind === 'layernorm');
    const finalNormParameters = finalNorm ? Number(moduleParameters(finalNorm)) : 0;
    const { x, y, params } = blockFixture(impl);
    const pre = maxAbsDiff(num(impl, await impl.block(x, params)), y);
    const post = maxAbsDiff(num(impl, await impl.encoderLayer(x, { self_attn: params.mh, ln1: params.ln1, ff: params.ff, ln2: params.ln2 }, 'gelu')), y);
    return {
      gpt2NormPlacement: normFirst && finalNorm ? 'pre-LN' : 'post-LN',
      gpt2FinalNormParameters: finalNormParameters,
      gpt2TotalWithoutFinalNorm: Number(baseParameterCount(gpt2)) - finalNormParameters,
      tutorialBlockArrangement: pre <= PYTORCH_PARITY.forward.atol && post > 1e-2 ? 'pre-LN' : post <= PYTORCH_PARITY.forward.atol ? 'post-LN' : 'neither',
    };
  },
  'scratch.blocks.tinygpt-encoder-blocks': async (impl) => {
    const layout = tinyStateDictLayout('tinygpt', TINY_REGISTRY.tinygpt);
    return {
      earlierPositionsSeeLaterToken: await earlierPositionsChange(impl, 'tinygpt', 3),
      tinyBertEarlierPositionsChange: await earlierPositionsChange(impl, 'tinybert', 3),
      causalMaskBuffers: [...layout.values()].filter((e) => e.buffer).length,
    };
  },
  'interview.blocks.encoder-decoder-layers': async (impl) => {
    const enc = loadFixture('layers/encoder-layer-post-ln.safetensors');
    const dec = loadFixture('layers/decoder-layer-post-ln.safetensors');
    const run = async (f: typeof enc, g: (x: Matrix, m: Matrix | undefined, p: never) => Promise<unknown[][]>) => {
      const xs = nested(f.input.get('x')!) as Matrix[];
      const ms = f.input.has('memory') ? (nested(f.input.get('memory')!) as Matrix[]) : undefined;
      const p = impl.liftTree(referenceParams(f.param)) as never;
      const out: number[][][] = [];
      for (const [b, x] of xs.entries()) out.push(num(impl, await g(impl.lift(x), ms ? impl.lift(ms[b]) : undefined, p)));
      return maxAbsDiff(flat(out), f.output.get('y')!.values);
    };
    return {
      encoderLayerVsPyTorch: await run(enc, (x, _m, p) => impl.encoderLayer(x, p, 'relu')),
      decoderLayerVsPyTorch: await run(dec, (x, m, p) => impl.decoderLayer(x, m!, p, 'relu')),
    };
  },
};
