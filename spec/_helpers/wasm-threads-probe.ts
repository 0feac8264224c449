/**
 * Child process for spec/backend/wasm-threads.spec.ts: starts the wasm backend with the thread
 * count in TFJS_WASM_THREADS, computes a matrix product large enough for XNNPACK to split across
 * threads and three TinyGPT training steps, and prints the results' bits as JSON on stdout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend.js';
import { seededRng } from '../../src/core/random.js';
import { validateTinyConfig } from '../../src/core/tiny-config.js';
import { createTrainer } from '../../src/training/train.js';

const report = await initBackend('wasm');
const rng = seededRng(11);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const product = tf.tidy(() => tf.matMul(tf.tensor2d(values(257 * 300), [257, 300]), tf.tensor2d(values(300 * 129), [300, 129])));
const productBits = Buffer.from((product.dataSync() as Float32Array).buffer).toString('base64');
product.dispose();
const config = validateTinyConfig({ vocab_size: 20, block_size: 8, n_embed: 32, n_head: 2, n_layer: 2, dropout: 0.1 });
const data = Array.from({ length: 500 }, () => rng.int(0, 20));
const trainer = createTrainer({ kind: 'tinygpt', config, data, batchSize: 8, blockSize: 8, seed: 3 });
const losses = [0, 1, 2].map(() => trainer.step().loss);
const weightBits = Buffer.from(Float32Array.from(trainer.weights().tensors.get('blocks.0.ff.net.0.weight')!.values).buffer).toString('base64');
trainer.dispose();
process.stdout.write(JSON.stringify({ threads: report.wasmThreads?.threads, summary: report.summary, productBits, losses, weightBits }));
