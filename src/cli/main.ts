/**
 * The command-line entry: `transformer-spec <command> [options]`.
 *
 *   verify    run every golden claim, write report/claims.json   (src/cli/verify.ts)
 *   explain   the documents' computations step by step             (src/cli/explain.ts)
 *   forward   TinyGPT / TinyBERT on your tokens with safetensors weights (src/cli/forward.ts)
 *   params    total and trainable parameters under full fine-tuning or PEFT (src/cli/params.ts)
 *   help      usage
 *
 * Run as `transformer-spec …` (bin/transformer-spec.js), `npm run cli -- …`, or
 * `npx tsx src/cli/main.ts …`. Errors are one line on stderr, never a stack trace:
 * exit code 2 for bad usage or input, 1 when a golden record is missing or disagrees with the
 * computation (or on an internal error), 0 otherwise.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../core/claims.js';
import { SpecError } from '../core/errors.js';
import { parseByteSize, withLimits } from '../core/limits.js';
import { ClaimRecordError, UsageError, suggest } from './args.js';
import type { Io } from './format.js';

export const COMMANDS = ['verify', 'explain', 'forward', 'generate', 'metrics', 'params', 'help'] as const;

const INVOCATION = `Run it as any of:
  transformer-spec <command> [options]        (after \`npm link\`, or node bin/transformer-spec.js from anywhere)
  npm run cli -- <command> [options]          (the same, from the project folder; note the --)
  npx tsx src/cli/main.ts <command> [options]
  npm start                                   (the same as transformer-spec verify)`;

const CONVENTIONS = `Conventions:
  --json       prints exactly one JSON object on stdout (backend notes go to stderr). JSON has no
               infinities, so −∞ (a masked score) is written as the string "-Infinity" (and
               likewise "Infinity", "NaN"); Number("-Infinity") in JavaScript and float("-Infinity")
               in Python read it back.
  --backend    reference (default): the float64 reference, src/reference/. tfjs: the TensorFlow.js
               float32 layers, src/tfjs/, on the best available TensorFlow.js backend
               (set TFJS_BACKEND=gpu|tensorflow|wasm|cpu to force one; TFJS_BACKEND=webgl|webgpu runs
               the same tfjs code on tfjs's GPU backends in headless Chromium); the output names it.
  --digits N   decimals in text output (default 4; 6 for the worked examples).
  --max-memory SIZE  any command: the most memory a request may be estimated to need (default
               1GiB; also TRANSFORMER_SPEC_MAX_MEMORY). Larger requests are refused before they
               allocate, e.g. explain positional-encoding --positions 1000000000.
Exit codes: 0 ok; 2 bad usage or input (the message names the problem); 1 a golden record is
missing or disagrees with the computation, or an internal error.`;

export const HELP: Record<string, string> = {
  '': `transformer-spec — an executable specification of Transformer maths, for teaching

${INVOCATION}

Commands:
  verify                        run every golden claim on every implementation (reference,
                                high-precision, tfjs) and write report/claims.json
  explain attention             softmax(Q Kᵀ / √d_k) V step by step on your own Q, K, V:
                                scores, scaled, capped, biased, masked, weights, output
                                (multi-head and batched, GQA, masks, bias, ALiBi, soft-cap)
  explain positional-encoding   the sinusoidal positional-encoding matrix
  explain i-love-cats           replay the course's "I love cats" attention example, every computed
                                value beside the number the slide printed, with claim id and verdict
  explain i-am-a-robot          replay the course's d = 4, n = 100 positional-encoding table
  explain --list                list every golden claim: id, verdict, title
  explain <claim id> [--json]   one claim step by step: citation, inputs, the document's value
                                beside each implementation's, tolerance rule, verdict, erratum
  forward                       run the tutorial's TinyGPT or TinyBERT (evaluation mode), or a tiny
                                LLaMA (tinyllama), on your tokens with weights from a safetensors
                                file: logits and loss
  generate                      continue a prompt with TinyGPT as the tutorial's generate() does:
                                temperature, top-k, top-p or greedy, seeded, context cropped
  params MODEL                  total and trainable parameters, exactly, for full fine-tuning or
                                LoRA / adapters / prompt / prefix tuning on a real configuration;
                                --memory: bytes of weights (fp32 … nf4), gradients, AdamW states
  metrics bleu|rouge            BLEU or ROUGE of a file of candidates against a file of references
                                (one sentence per line), as Hugging Face evaluate computes them
  help [command]                this text, or one command's help (also: <command> --help)

Examples:
  transformer-spec explain attention --q '[[1,0],[0,1],[1,1]]' --k '[[1,0],[0,1],[1,1]]' --v '[[1,0],[0,1],[1,1]]'
  transformer-spec explain attention --q '[[1,0],[0,1]]' --k '[[1,0],[0,1]]' --v '[[1,2],[3,4]]' --causal --json
  transformer-spec explain positional-encoding --d 4 --positions 4 --base 100
  transformer-spec explain i-love-cats
  transformer-spec forward --model tinygpt --config examples/tinygpt.config.json --weights fixtures/models/tinygpt.safetensors --tokens '[1,2,3,4]'
  transformer-spec metrics bleu --candidates examples/metrics/candidates.txt --references examples/metrics/references.txt
  transformer-spec params gpt2 --lora r=16,alpha=32,targets=c_attn,c_proj
  transformer-spec generate --model tinygpt --config examples/tinygpt.config.json --weights fixtures/models/tinygpt.safetensors --prompt 'Jalāl ' --temperature 0.8 --top-k 10 --seed 1

${CONVENTIONS}`,

  verify: `transformer-spec verify [options]

Runs every golden claim (golden/<topic>/<id>.json) on the reference, high-precision and tfjs
implementations and writes report/claims.json: per claim the computed values, the printed ones,
and the verdict (holds, holds under a stated assumption, or erratum). \`npm start\` runs it.
Its own options, if any, are described by src/cli/verify.ts.

${INVOCATION}`,

  explain: `transformer-spec explain <topic> [options]

Topics:
  attention             --q JSON --k JSON --v JSON [--no-scale] [--causal] [--backend reference|tfjs]
                        [--tokens NAMES] [--digits N] [--json]
  positional-encoding   --d D --positions N [--base B] [--backend reference|tfjs] [--digits N] [--json]
  rope                  --x JSON [--positions JSON] [--base B] [--pairing interleaved|half] [--rotary-dim R]
                        [--backend reference|tfjs] [--digits N] [--json]
  i-love-cats           [--digits N]
  i-am-a-robot          [--digits N]
  --list                every golden claim: id, verdict, title
  <claim id>            [--json] any claim of golden/, e.g. course.attention.i-love-cats.weights

See \`transformer-spec help explain <topic>\` for each.

${CONVENTIONS}`,

  'explain attention': `transformer-spec explain attention --q JSON --k JSON --v JSON [options]

Attention as today's LLMs use it, printed step by step (with no option: scaled dot-product
attention, softmax(Q Kᵀ / √d_k) V):
  1. scores  = Q Kᵀ                          (…, n_q × n_k); query head h reads kv head ⌊h / (H / H_kv)⌋
  2. scaled  = scores × scale                (1/√d_k unless --scale X or --no-scale)
  3. capped  = cap · tanh(scaled / cap)      (only with --softcap; Gemma 2)
  4. biased  = capped + bias + ALiBi         (only with --bias or --alibi)
  5. masked  = −∞ where a query may not look (--causal, --mask, --key-lengths)
  6. weights = softmax(masked), row by row   (a fully masked row is all 0)
  7. output  = weights V                     (…, n_q × d_v)

Options:
  --q JSON, --k JSON, --v JSON   nested JSON lists: 2-D (n, d), 3-D (heads, n, d) or 4-D
                                 (batch, heads, n, d); Q (…, H, n_q, d_k), K (…, H_kv, n_k, d_k),
                                 V (…, H_kv, n_k, d_v); required
  --kv-heads N                   state H_kv (checked against K and V); H must be a multiple of it
                                 (grouped-query attention; 1 is multi-query attention)
  --scale X                      multiply the scores by X instead of 1/√d_k
  --no-scale                     skip the 1/√d_k factor (as the course's "I love cats" slide does)
  --causal [top-left|bottom-right]  causal mask; alone it means bottom-right (the default):
                                 top-left is PyTorch is_causal / ONNX (query i sees keys 0…i);
                                 bottom-right is FlashAttention ≥ 2.1 / decoding with a cache
                                 (query i sees keys 0…i + n_k − n_q)
  --mask JSON                    booleans (true = may attend), broadcast right-aligned to
                                 (batch, heads, n_q, n_k) like PyTorch's attn_mask
  --bias JSON                    numbers added to the scores, broadcast the same way
  --alibi                        ALiBi with the paper's slopes for H heads (any H)
  --softcap X                    logit soft-capping cap X > 0 (Gemma 2 uses 50)
  --key-lengths JSON             one key count per sequence (4-D input): later keys are masked
  --backend reference|tfjs       which implementation computes (default reference)
  --tokens A,B,C                 names for the key rows (and query rows when n_q = n_k)
  --digits N                     decimals in text output (default 4)
  --json                         one JSON object: {"scores", "scaled", "capped", "biased",
                                 "masked", "weights", "output": nested lists, "backend", "scale":
                                 the factor used, "causal": the alignment or null, "nHeads",
                                 "nKvHeads", "softcap", "alibiSlopes"}; −∞ is "-Infinity"

Example (the interview deck's Q = K = V):
  transformer-spec explain attention --q '[[1,0],[0,1],[1,1]]' --k '[[1,0],[0,1],[1,1]]' --v '[[1,0],[0,1],[1,1]]' --tokens I,love,cats
Example (4 query heads sharing 2 kv heads, ALiBi, Gemma-style soft-cap, PyTorch's causal alignment):
  transformer-spec explain attention --q '[[[1,0]],[[0,1]],[[1,1]],[[2,0]]]' --k '[[[1,0],[0,1]],[[1,1],[0,2]]]' --v '[[[1,2],[3,4]],[[5,6],[7,8]]]' --kv-heads 2 --alibi --softcap 5 --causal top-left`,

  'explain positional-encoding': `transformer-spec explain positional-encoding --d D --positions N [options]

Sinusoidal positional encoding (Vaswani et al. 2017 §3.5), an N × D matrix:
  PE(pos, 2i) = sin(pos / base^(2i/d)),   PE(pos, 2i+1) = cos(pos / base^(2i/d))

Options:
  --d D                    model dimension: an even integer ≥ 2 (each sin has its cos); required
  --positions N            number of positions, 0…N−1 (N ≥ 1); required
  --base B                 the base (default 10000; the course's table uses 100)
  --backend reference|tfjs which implementation computes (default reference)
  --digits N               decimals in text output (default 4)
  --json                   one JSON object: {"pe": N × D rows, "d", "positions", "base", "backend"}

Example (the course's "I am a robot" table):
  transformer-spec explain positional-encoding --d 4 --positions 4 --base 100`,

  'explain i-love-cats': `transformer-spec explain i-love-cats [--digits N]

Replays the course's "I love cats" example: tokens I = [1, 0], love = [0, 1], cats = [1, 1],
W_Q = W_K = W_V = identity, no 1/√d_k scaling (as the slide does), following the query "love":
raw scores, exponentials, the denominator 1 + 2e, the weights and the output; then the same
example with the 1/√d_k scaling. Each computed value is shown beside the number the document
printed, read from the golden records course.attention.i-love-cats.*, with the claim id and
verdict to cite; for an erratum, the correct value and the explanation.`,

  'explain i-am-a-robot': `transformer-spec explain i-am-a-robot [--digits N]

Replays the course's positional-encoding table: d = 4, four positions ("I am a robot"), base
n = 100. Prints the computed 4 × 4 matrix beside the table the slide printed (golden record
course.pe.i-am-a-robot), then every entry with its formula, e.g. P10 = sin(1/1).`,

  forward: `transformer-spec forward --model tinygpt|tinybert|tinyllama --config FILE.json --weights FILE.safetensors --tokens JSON [options]

The tutorial's TinyGPT or TinyBERT (scratch §3.4, §4.4) in evaluation mode (dropout off):
  logits = head(ln_f(Block_L(… Block_1(token_embed[idx] + pos_embed[0…T−1]))))   (B × T × V)
  loss   = mean cross-entropy of the logits against --targets  (TinyBERT: targets −100 not scored)
TinyGPT's blocks are causal (position t sees 0…t), TinyBERT's see the whole sequence.

Options:
  --model tinygpt|tinybert     which model; required
  --config FILE.json           the constructor arguments, with the tutorial's names: {"vocab_size",
                               "block_size", "n_embed", "n_head", "n_layer", "dropout"}; vocab_size
                               and block_size are required, the rest default to the tutorial's
                               n_embed 128, n_head 4, n_layer 4, dropout 0.1; required
  --weights FILE.safetensors   the weights, checked against the state_dict the config implies: a
                               plain PyTorch state_dict saved with safetensors (token_embed.weight,
                               …), or this project's fixture files (fixtures/models/*.safetensors,
                               whose param.* entries are the state_dict); float dtypes only (F32;
                               F64, F16, BF16 are converted to float32); required
  --tokens JSON                token ids: one sequence [id, …] (T ≤ block_size) or a batch
                               [[id, …], …] of equal lengths; required
  --targets JSON               the same shape as --tokens: next-token ids for TinyGPT, masked-token
                               labels for TinyBERT (−100 where a position is not scored)
  --backend reference|tfjs     which implementation computes (default reference)
  --digits N                   decimals in text output (default 4)
  --json                       one JSON object: {"logits": B × T × V (T × V for one sequence),
                               "loss" (only with --targets), "backend", "model", "config"}

Text output prints, per position, the token, the argmax of its logits and its probability, the
first logits, and with --targets each position's −log p(target); then the loss.

Example (the committed fixture, exported from PyTorch with TinyGPT(48, 16, 32, 4, 2)):
  transformer-spec forward --model tinygpt --config examples/tinygpt.config.json --weights fixtures/models/tinygpt.safetensors --tokens '[1,2,3,4]' --targets '[2,3,4,5]'
  transformer-spec forward --model tinybert --config examples/tinybert.config.json --weights fixtures/models/tinybert.safetensors --tokens '[[3,1,4,1],[5,9,2,6]]' --json

--model tinyllama: a tiny LLaMA-architecture model (src/reference/tiny-llama.ts): RMSNorm, split-half
RoPE (rotate_half, base rope_theta), grouped-query attention, SwiGLU, untied lm_head. --config is a
Hugging Face LlamaConfig (vocab_size, hidden_size, intermediate_size, num_hidden_layers,
num_attention_heads, num_key_value_heads, rms_norm_eps, rope_theta, max_position_embeddings);
--weights a LlamaForCausalLM state_dict (model.embed_tokens.weight, model.layers.0.self_attn.q_proj.weight,
…, lm_head.weight) or the fixture fixtures/llm/tinyllama.safetensors. --targets are the next tokens
aligned with the positions (as TinyGPT's; Hugging Face's labels are shifted inside the model).
  transformer-spec forward --model tinyllama --config examples/tinyllama.config.json --weights fixtures/llm/tinyllama.safetensors --tokens '[1,2,3,4]' --targets '[2,3,4,5]'`,

  params: `transformer-spec params MODEL [--lora r=R,alpha=A,targets=a,b] [--adapter bottleneck=M] [--prompt-tokens N] [--prefix-tokens N]
                          [--memory [--dtype fp32|fp16|bf16|int8|nf4] [--no-double-quant] [--optimizer adamw]] [--json]
transformer-spec params --config config.json [same options]
transformer-spec params --weights FILE.safetensors [--json]

Counts, in exact integers, the parameters of a model and how many of them train:
  full fine-tuning (no option)   every base parameter, 100%
  --lora r=R,alpha=A,targets=…   Σ r·(d_in + d_out) over the modules the targets select, as PEFT
                                 selects them: a module whose name equals a target or ends with
                                 "." + target (so c_proj selects attn.c_proj AND mlp.c_proj in
                                 GPT-2; attn.c_proj only the attention one); targets=all-linear is
                                 every Linear/Conv1D but the output head; alpha (scaling α/r) and
                                 dropout=p are accepted and add no parameters
  --adapter bottleneck=M         Houlsby adapters, two per block: 2·(2·d·M + M + d) per block
  --prompt-tokens N              prompt tuning: N·d (soft tokens before the input embeddings)
  --prefix-tokens N              prefix tuning: N·L·2·d_kv (a key and a value per layer and token)
Methods may be combined; the base is then frozen. percent = 100 · trainable / total, where total
= base + added parameters (what PEFT's print_trainable_parameters calls "all params").

MODEL: gpt2, bert-base, gpt3, llama-7b, qwen2.5-0.5b, tinygpt, tinybert (the registry; totals equal
the published counts, e.g. GPT-2 124,439,808, LLaMA-7B 6,738,415,616), or a JSON file: the tutorial's
TinyGPT/TinyBERT arguments (examples/tinygpt.config.json; "model_type": "tinybert" for TinyBERT) or
a Hugging Face config.json with model_type gpt2, bert, llama, mistral or qwen2 (also --config
FILE): grouped-query attention (num_key_value_heads, head_dim), SwiGLU MLPs, tied or untied
embeddings, Qwen2's q/k/v biases, LLaMA's attention_bias and mlp_bias; an absent field takes its
config class's default (tie_word_embeddings false; num_key_value_heads = heads for LLaMA, 8 for
Mistral, 32 for Qwen2). Its text and --json ("architecture") show what the file decides, with the
norm ε and RoPE θ it sets. Example: --config examples/hf-configs/tinyllama-1.1b.config.json gives
1,100,048,384 (32 query heads sharing 4 key/value heads).
A target that matches no module (or only norms) is an error that lists the model's module names.

Memory (--memory), in bytes, exact integers (src/core/memory-accounting.ts):
  --dtype fp32|fp16|bf16         4 / 2 / 2 bytes per parameter (default fp32)
  --dtype int8                   LLM.int8(): linear weights 1 byte + one fp32 scale per output row
  --dtype nf4                    QLoRA: linear weights 4 bits + one constant per block of 64; with
                                 double quantisation (the default) 8-bit constants + one fp32 per
                                 256 of them (0.127 bit per weight); --no-double-quant: fp32
                                 constants (0.5 bit). The output head, embeddings, norms and biases
                                 stay at 16 bits
  --optimizer adamw              adds gradients and AdamW's states for what trains: full fine-tuning
                                 in fp32 16 B/parameter (4 + 4 + moments 8), in fp16/bf16 mixed
                                 precision 2 + 2 + 12 (fp32 master copy + moments); with a PEFT
                                 method the base is frozen and the added parameters are fp32 (as
                                 PEFT keeps them): 16 B each. int8/nf4 train only with a method
Activations, allocator overhead and the per-tensor step counters are not counted.

With --weights, counts the elements of every tensor of a safetensors checkpoint from its header
alone (no tensor data are read: a 14 GB file costs one read of its header), by dtype.

Options:
  --json   one JSON object: {"model", "total", "trainable", "percent", "base", "methods": [{"method",
           "parameters", "modules" (LoRA: how many), "detail"}], and with --memory "memory":
           {"dtype", "doubleQuant", "optimizer", "weights": {…, "total"}, "gradients",
           "optimizerStates": {"moments", "masterWeights", "total"}, "total"}}; with --weights
           {"weights", "tensors", "total", "bytes", "dtypes", "metadata"}. Counts are exact integer
           digits, beyond 2^53 too (Python's json reads them exactly; JavaScript's JSON.parse rounds).

Examples:
  transformer-spec params gpt2 --lora r=16,alpha=32,targets=c_attn,c_proj      # 1,622,016 of 126,061,824 (1.2867%)
  transformer-spec params llama-7b --lora r=8,alpha=16,targets=q_proj,v_proj --json
  transformer-spec params bert-base --adapter bottleneck=64
  transformer-spec params examples/tinygpt.config.json --prefix-tokens 4
  transformer-spec params llama-7b --memory --dtype bf16 --optimizer adamw               # 107,814,649,856 B
  transformer-spec params llama-7b --lora r=8,targets=q_proj,v_proj --memory --dtype nf4 --optimizer adamw   # QLoRA: 3,932,700,672 B`,

  metrics: `transformer-spec metrics bleu|rouge --candidates FILE --references FILE [options]

Scores candidate sentences against reference sentences, line by line (line i of --candidates
against line i of --references), exactly as Hugging Face evaluate's "bleu" and "rouge" metrics do:
  bleu    tokenizer 13a; clipped n-gram precisions p_1…p_4 pooled over the corpus;
          BLEU = BP · exp(¼ Σ ln p_n), BP = 1 if c > r else exp(1 − r/c)
          (c = candidate tokens, r = tokens of the references); no smoothing unless --smooth
  rouge   rouge_score with evaluate's defaults (lower-cased a–z/0–9 tokens, no stemming):
          rouge1, rouge2 (n-gram overlap), rougeL (longest common subsequence), rougeLsum
          (LCS over sentences split at line breaks; equal to rougeL for one-line sentences);
          precision, recall and F1 per pair, averaged over the pairs

Options:
  --candidates FILE    UTF-8, one sentence per line (a final newline does not add a line); required
  --references FILE    the same number of lines, one reference per candidate; required
  --smooth             bleu only: add 1 to the matches and counts of every order (Lin & Och 2004)
  --digits N           decimals in text output (default 4)
  --json               one JSON object. bleu: {"bleu", "precisions": [p_1…p_4], "brevity_penalty",
                       "length_ratio", "translation_length", "reference_length"} (evaluate's keys);
                       rouge: {"rouge1", "rouge2", "rougeL", "rougeLsum": mean F1 (what evaluate
                       returns), "precision": {…}, "recall": {…} per type, "pairs"}

evaluate's rouge reports the median of 1,000 unseeded bootstrap resamples of the mean F1, which
varies slightly from run to run; this command reports the mean itself.

Examples:
  transformer-spec metrics bleu --candidates examples/metrics/candidates.txt --references examples/metrics/references.txt
  transformer-spec metrics rouge --candidates examples/metrics/candidates.txt --references examples/metrics/references.txt --json`,

  generate: `transformer-spec generate --model tinygpt --config FILE.json --weights FILE.safetensors --prompt TEXT [options]

Continues TEXT with the tutorial's TinyGPT (scratch §4.4.1 generate()), in evaluation mode. Each
step feeds the last block_size tokens to the model (the position table has no more rows), takes
the logits z of the last position and chooses the next character:
  temperature   z / T                       T > 0 (default 1); below 1 sharper, T → 0 approaches greedy
  top-k         keep the K largest logits   ties with the K-th are kept; K ≥ vocabulary size keeps all
  top-p         keep the smallest set of most probable tokens whose probability reaches P
  sample        draw from softmax of what is kept, with a seeded generator (same seed, same text)
in that order (temperature, then top-k, then top-p); --greedy takes the argmax instead.

Options:
  --model tinygpt              the decoder; TinyBERT is bidirectional and cannot continue a prompt; required
  --config FILE.json           the constructor arguments as for forward, plus an optional "vocab": the
                               characters of the ids 0…V−1 in code-point order (npm run reproduce --
                               tinygpt --save-weights writes one). Without it: the characters of the
                               tutorial's TinyGPT text, read from ../shared at run time; required
  --weights FILE.safetensors   TinyGPT weights, checked as for forward; required
  --prompt TEXT                the text to continue; every character must be in the vocabulary; required
  --temperature T              a finite number > 0 (default 1)
  --top-k K                    an integer ≥ 1 (default: no top-k)
  --top-p P                    a number in (0, 1] (default: no top-p)
  --greedy                     argmax decoding (not with --temperature/--top-k/--top-p)
  --seed S                     an integer ≥ 0 for the sampler (default 0)
  --max-new-tokens N           how many characters to add (default 100)
  --backend reference|tfjs     which implementation computes the logits (default reference)
  --json                       one JSON object: {"text", "prompt", "tokens", "promptTokens",
                               "newTokens", "model", "backend", "seed", "sampling", "blockSize",
                               "vocabulary": "config" | "tutorial"}

Bad values are named errors on one line (exit 2): TemperatureError, TopKError, TopPError, an unknown
character in the prompt, a vocabulary that does not match vocab_size.

Examples (the tutorial's own settings: temperature 0.8, top_k 50 — a no-op with 48 characters):
  transformer-spec generate --model tinygpt --config examples/tinygpt.config.json --weights fixtures/models/tinygpt.safetensors --prompt 'Jalāl ' --temperature 0.8 --top-k 50 --max-new-tokens 400
  npm run reproduce -- tinygpt --save-weights && transformer-spec generate --model tinygpt --config report/reproduce-tinygpt.config.json --weights report/reproduce-tinygpt.safetensors --prompt 'Jalāl ' --temperature 0.8 --backend tfjs`,

  'explain --list': `transformer-spec explain --list

Lists every golden claim (golden/<topic>/<id>.json): its id, verdict and title.`,
};
HELP.help = HELP[''];

/** The help text for a command path such as ["explain", "attention"] (longest known prefix). */
export function helpFor(path: readonly string[]): string {
  for (let n = Math.min(path.length, 2); n > 0; n--) {
    const key = path.slice(0, n).join(' ');
    if (HELP[key]) return HELP[key];
  }
  return HELP[''];
}

/** A dynamic import failed because the module file itself is absent (not one of its imports). */
export function isMissingModule(e: unknown, file: string): boolean {
  const err = e as { code?: string; message?: string };
  const msg = err?.message ?? '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stem = escaped.replace(/\\\.js$/, '');
  // Node: "Cannot find module '/…/src/cli/verify.js' imported from …"; vite-node: "Failed to load url ./verify.js".
  return (
    (err?.code === 'ERR_MODULE_NOT_FOUND' && new RegExp(`Cannot find module '[^']*[/\\\\]${stem}\\.(js|ts)'`).test(msg)) ||
    new RegExp(`Failed to load url \\S*${stem}\\.(js|ts)`).test(msg)
  );
}

type VerifyModule = { runVerify?: (argv: string[], io: Io) => Promise<number> };

async function runVerifyCommand(argv: string[], io: Io): Promise<number> {
  // A non-literal specifier, so this file type-checks before src/cli/verify.ts exists.
  const specifier = './verify.js';
  let mod: VerifyModule;
  try {
    mod = (await import(specifier)) as VerifyModule;
  } catch (e) {
    if (isMissingModule(e, 'verify.js')) {
      io.err('error: the verify command is not installed yet: src/cli/verify.ts is missing (explain works without it)');
      return 2;
    }
    throw e;
  }
  if (typeof mod.runVerify !== 'function') {
    io.err('error: src/cli/verify.ts does not export runVerify(argv): Promise<number>');
    return 2;
  }
  return mod.runVerify(argv, io);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

/** `--help`/`-h` anywhere before a bare `--` asks for help. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Prints an error as one line and returns the exit code it deserves. */
export function reportError(e: unknown, io: Io): number {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  if (e instanceof UsageError || e instanceof SpecError) {
    io.err(`error: ${oneLine(e.message)}`);
    return 2;
  }
  if (e instanceof ClaimRecordError) {
    io.err(`error: ${oneLine(e.message)}`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err(`internal error: ${oneLine(err.message)} (set TRANSFORMER_SPEC_DEBUG=1 for the stack trace)`);
  if (process.env.TRANSFORMER_SPEC_DEBUG) io.err(err.stack ?? '');
  return 1;
}

/**
 * Takes `--max-memory SIZE` (or `--max-memory=SIZE`) out of the arguments before a bare `--`: it
 * applies to every command (src/core/limits.ts).
 */
export function takeMaxMemory(argv: readonly string[]): { argv: string[]; maxMemory?: number } {
  const end = argv.indexOf('--');
  const head = end === -1 ? [...argv] : argv.slice(0, end);
  const tail = end === -1 ? [] : argv.slice(end);
  let maxMemory: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i];
    if (a !== '--max-memory' && !a.startsWith('--max-memory=')) {
      rest.push(a);
      continue;
    }
    if (maxMemory !== undefined) throw new UsageError('--max-memory is given twice');
    const value = a.startsWith('--max-memory=') ? a.slice('--max-memory='.length) : head[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError('--max-memory needs a value: --max-memory SIZE (e.g. 4GiB)');
    maxMemory = parseByteSize(value, '--max-memory');
  }
  return { argv: [...rest, ...tail], maxMemory };
}

/** Runs one command and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const taken = takeMaxMemory(argv);
    return await withLimits(taken.maxMemory === undefined ? {} : { memory: taken.maxMemory }, () => dispatch(taken.argv, io));
  } catch (e) {
    return reportError(e, io);
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      const topic = command === 'help' ? rest : [];
      if (topic.length && !helpFor(topic).startsWith(`transformer-spec ${topic[0]}`) && topic[0] !== 'help') {
        throw new UsageError(`no help for "${topic.join(' ')}"; commands: ${COMMANDS.join(', ')}`);
      }
      io.out(helpFor(topic));
      return 0;
    }
    if (command === '--version' || command === '-v') {
      io.out(version());
      return 0;
    }
    if (command === 'verify') return await runVerifyCommand(rest, io);
    if (wantsHelp(argv)) {
      io.out(helpFor(argv.filter((a) => !a.startsWith('-') || a === '--list')));
      return 0;
    }
    if (command === 'explain') {
      // Loaded on demand: it pulls in mathjs, which `help` does not need.
      const { runExplain } = await import('./explain.js');
      return await runExplain(rest, io);
    }
    if (command === 'forward') {
      // Loaded on demand: it pulls in the models and the safetensors reader.
      const { runForward } = await import('./forward.js');
      return await runForward(rest, io);
    }
    if (command === 'generate') {
      const { runGenerate } = await import('./generate.js');
      return await runGenerate(rest, io);
    }
    if (command === 'params') {
      const { runParams } = await import('./params.js');
      return await runParams(rest, io);
    }
    if (command === 'metrics') {
      const { runMetrics } = await import('./metrics.js');
      return await runMetrics(rest, io);
    }
    const hint = suggest(command, COMMANDS);
    throw new UsageError(`unknown command "${command}"${hint ? ` (did you mean ${hint}?)` : ''}; commands: ${COMMANDS.join(', ')} (see transformer-spec --help)`);
  } catch (e) {
    return reportError(e, io);
  }
}

/** The process-level wrapper used by the entry point and bin/transformer-spec.js. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // `transformer-spec explain … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: Io = {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
  };
  const code = await main(argv, io);
  process.exitCode = code;
  return code;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(resolve(script)) === real(fileURLToPath(import.meta.url));
}

if (isEntryPoint()) await runCli(process.argv.slice(2));
