/**
 * The browser side of the GPU backends: this module is bundled with esbuild (src/browser/bundle.ts)
 * together with the project's own src/tfjs, src/ops and src/claims, and runs in a headless Chromium
 * page served from http://localhost (WebGPU needs a secure page). Node drives it through
 * playwright-core (src/browser/runner.ts): it passes a claim's golden record and gets its judged
 * outcome back, so the claims and the specs run unchanged on tfjs's webgl and webgpu backends.
 *
 * Node-only functions (reading fixtures, the tutorial, a recorded run: src/core/host.ts) are not
 * run here: the page asks for their results. A claim that needs one it does not hold yet stops
 * with `missing`; Node computes it, sends it, and runs the claim again (evaluators are seeded).
 *
 * Nothing here reads a tensor synchronously: on WebGPU dataSync/arraySync return zeros and lose
 * the device, so every result is read with `await data()` / `array()` (src/ops/convert.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import type { BackendChoice, BackendReport } from '../core/backend.js';
import type { GoldenClaim } from '../core/claims.js';
import * as Errors from '../core/errors.js';
import * as Tutorial from '../core/tutorial.js';
import { runClaim } from '../claims/run.js';
import { loadFixture } from '../core/fixtures.js';
import { validateTinyConfig, type TinyConfig, type TinyKind } from '../core/tiny-config.js';
import { readTutorialTexts } from '../core/tutorial.js';
import { createTrainer } from '../training/train.js';
import { trainingOps } from '../tfjs/training/training-op-set.js';
import { charVocabulary } from '../training/vocab.js';
import { fixturePath, LAYER_CASES, tfjsLayerRun, tfjsModelRun } from '../ops/parity.js';
import { tfjsImpl, type ArrayImpl } from '../ops/implementations.js';
import * as T from '../tfjs/index.js';
import { runTfjsTask, type TfjsTaskName } from '../cli/tfjs-tasks.js';
import { decode, encode, type ErrorClasses } from './wire.js';

const ERRORS: ErrorClasses = Object.fromEntries(
  Object.entries({ ...Errors, ...Tutorial }).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error),
) as ErrorClasses;

/** Results of Node-only functions, by call (name + JSON of the arguments), sent by Node. */
const hostResults = new Map<string, unknown>();
let missing: { key: string; name: string; args: unknown[] } | null = null;

class HostCallMissing extends Errors.SpecError {
  constructor(readonly key: string) {
    super('INTERNAL', `the page does not hold the result of ${key} yet (Node computes it and the claim runs again)`);
    this.name = 'HostCallMissing';
  }
}

(globalThis as { __transformerSpecHost?: unknown }).__transformerSpecHost = (name: string, args: unknown[]) => {
  const key = `${name}(${encode(args)})`;
  if (hostResults.has(key)) {
    const r = hostResults.get(key) as { value?: unknown; error?: Error };
    if (r.error) throw r.error;
    return r.value;
  }
  missing ??= { key, name, args };
  throw new HostCallMissing(key);
};

let impl: ArrayImpl<number> | null = null;

export interface PageInit {
  backend: Extract<BackendChoice, 'webgl' | 'webgpu'>;
  /** tfjs flags to set before the backend initialises (e.g. WEBGL_FORCE_F16_TEXTURES). */
  flags: Record<string, boolean | number>;
  /** The label the outcomes carry (e.g. 'webgl-f16'). */
  label: string;
}

async function init(text: string): Promise<string> {
  const o = decode<PageInit>(text);
  for (const [k, v] of Object.entries(o.flags)) tf.env().set(k, v);
  if (!(await tf.setBackend(o.backend))) throw new Errors.SpecError('BACKEND_UNAVAILABLE', `tf.setBackend('${o.backend}') returned false: the backend did not initialise in this browser`);
  await tf.ready();
  // A tiny op, read asynchronously, proves the kernels run (a synchronous read would lose a WebGPU device).
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 12) throw new Errors.SpecError('BACKEND_UNAVAILABLE', `probe computation on ${o.backend} returned ${value} instead of 12`);
  let adapter = '';
  if (o.backend === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> } }).gpu;
    const a = await gpu?.requestAdapter();
    adapter = a?.info ? `${a.info.vendor ?? ''} ${a.info.architecture ?? ''}`.trim() : '';
  } else {
    const gl = document.createElement('canvas').getContext('webgl2');
    const dbg = gl?.getExtension('WEBGL_debug_renderer_info');
    adapter = gl ? String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : '';
  }
  const flagText = Object.entries(o.flags).map(([k, v]) => `${k}=${v}`).join(', ');
  const report: BackendReport = {
    choice: o.backend,
    tfBackend: tf.getBackend(),
    forced: true,
    attempts: [{ choice: o.backend, ok: true, reason: 'selected' }],
    summary: `${o.label} in headless Chromium ${navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? ''}${adapter ? ` on ${adapter}` : ''}${flagText ? ` [${flagText}]` : ''}`,
  };
  impl = { ...tfjsImpl(report), backend: o.label };
  return encode(report);
}

/**
 * The page's remote calls, by method: a claim judged on this backend, one registry op through the
 * same adapter the Node backends use, a PyTorch layer or model fixture (forward and tf.grads).
 */
const METHODS: Record<string, (payload: never) => Promise<unknown>> = {
  claim: (c: GoldenClaim) => runClaim(c, impl!),
  op: ({ name, args }: { name: string; args: unknown[] }) => (impl as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args),
  attentionGradients: ({ x, w, g }: { x: number[][]; w: { wQ: number[][]; wK: number[][]; wV: number[][] }; g: number[][] }) => impl!.attentionGradients!(x, w, g),
  layer: ({ file }: { file: string }) => {
    const c = LAYER_CASES.find((x) => x.file === file);
    if (!c) throw new Errors.ArgumentError(`no registry row names the fixture ${file}`);
    return tfjsLayerRun(c, loadFixture(fixturePath(file)));
  },
  /** A short TinyGPT training run on the tutorial's text (read by Node) with the trainer's composite ops: the losses. */
  train: async ({ steps, seed }: { steps: number; seed: number }) => {
    const text = readTutorialTexts().gpt;
    const vocab = charVocabulary(text);
    const config = validateTinyConfig({ vocab_size: vocab.symbols.length, block_size: 16, n_embed: 32, n_head: 2, n_layer: 2, dropout: 0.1 });
    const trainer = createTrainer({ kind: 'tinygpt', config, data: vocab.encode(text), batchSize: 8, blockSize: 16, seed, optimizer: { lr: 3e-3 }, clipNorm: 1 });
    try {
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push((await trainer.stepAsync()).loss);
      return { losses, backend: tf.getBackend() };
    } finally {
      trainer.dispose();
    }
  },
  /** One of the CLI's tfjs tasks (src/cli/tfjs-tasks.ts): `TFJS_BACKEND=webgl|webgpu` for explain, forward and generate. */
  cli: ({ task, args }: { task: TfjsTaskName; args: never }) => runTfjsTask(task, args),
  /** A fixture model's logits, loss and gradients; `training`: through the trainer's op set without dropout (the composite ops that stand in for the fused wasm kernels). */
  model: ({ kind, config, fixture, idx, targets, training }: { kind: TinyKind; config: TinyConfig; fixture: string; idx: number[][]; targets: number[][]; training?: boolean }) =>
    tfjsModelRun(kind, config, loadFixture(fixture), idx, targets, training ? trainingOps({ p: 0, nextSeed: () => 0 }) : undefined),
};

/** One remote call; `missing` when a Node-only result must be fetched first (Node answers and calls again). */
async function call(method: string, payloadText: string, hostText: string): Promise<string> {
  if (!impl) throw new Errors.InternalError('init() has not run on this page');
  for (const [k, v] of decode<[string, unknown][]>(hostText, ERRORS)) hostResults.set(k, v);
  missing = null;
  const f = METHODS[method];
  if (!f) throw new Errors.ArgumentError(`the page has no method ${method}`);
  let value: unknown;
  let error: unknown;
  try {
    value = await f(decode<never>(payloadText));
  } catch (e) {
    error = e;
  }
  const numTensors = tf.memory().numTensors;
  return encode(missing ? { missing } : error !== undefined ? { error, numTensors } : { value, numTensors });
}

/** Evaluates a short async function body over `tf` and the project's tfjs ops `T` in the page (the GPU specs' probes). */
async function probe(source: string): Promise<string> {
  const f = new Function('tf', 'T', `return (async () => { ${source} })();`) as (t: typeof tf, ops: typeof T) => Promise<unknown>;
  return encode(await f(tf, T));
}

(globalThis as { transformerSpec?: unknown }).transformerSpec = { init, call, probe, ready: true };
