/**
 * Learning-rate warm-up followed by cosine decay (the course, "Optimization & Schedules":
 * "warmup → plateau or cosine decay"), in the convention of Hugging Face's
 * get_cosine_schedule_with_warmup. For the k-th optimiser step, k = 0, 1, …, with W warm-up
 * steps, K total steps, peak η_max and floor η_min:
 *
 *   η(k) = η_max · k / W                                                   k < W
 *   η(k) = η_min + (η_max − η_min) · ½ (1 + cos(π · min(1, (k − W)/(K − W))))    k ≥ W
 *
 * So η(0) = 0 when W > 0 (the first step does not move the weights, as in Hugging Face),
 * η(W) = η_max, η at the middle of the decay = (η_max + η_min)/2, and η(K) = η_min. Past K the
 * rate stays at η_min (Hugging Face's formula would climb again; a schedule is not meant to be
 * read there). W = 0 starts at the peak. Plain numbers, no tensors: the tfjs trainer calls this.
 */
import { RangeArgumentError } from '../core/errors.js';

export interface WarmupCosineOptions {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
}

export function checkWarmupCosine(o: WarmupCosineOptions): void {
  if (!(Number.isFinite(o.peakLr) && o.peakLr >= 0)) throw new RangeArgumentError(`peakLr must be a finite number ≥ 0, got ${o.peakLr}`);
  const min = o.minLr ?? 0;
  if (!(Number.isFinite(min) && min >= 0 && min <= o.peakLr)) throw new RangeArgumentError(`minLr must be in [0, peakLr = ${o.peakLr}], got ${min}`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0) throw new RangeArgumentError(`warmupSteps must be an integer ≥ 0, got ${o.warmupSteps}`);
  if (!Number.isInteger(o.totalSteps) || o.totalSteps <= o.warmupSteps) throw new RangeArgumentError(`totalSteps must be an integer > warmupSteps (${o.warmupSteps}), got ${o.totalSteps}`);
}

/** η(k) for the k-th optimiser step (k = 0, 1, …). */
export function warmupCosineLr(k: number, o: WarmupCosineOptions): number {
  checkWarmupCosine(o);
  if (!Number.isInteger(k) || k < 0) throw new RangeArgumentError(`step must be an integer ≥ 0, got ${k}`);
  const min = o.minLr ?? 0;
  if (k < o.warmupSteps) return (o.peakLr * k) / o.warmupSteps;
  const progress = Math.min(1, (k - o.warmupSteps) / (o.totalSteps - o.warmupSteps));
  return min + (o.peakLr - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
