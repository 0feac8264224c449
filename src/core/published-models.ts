/**
 * Published facts about the models the five documents name — tokeniser vocabulary sizes, context
 * lengths and how positions are encoded — as cited data, not computed. The claims that compare a
 * document's statement with "the real models" read them from here, so each number has one source.
 * Parameter counts and layer shapes live in src/core/model-configs.ts (which reproduces the
 * published totals); this module holds what a configuration file states and a count cannot check.
 *
 * Sources are the released config.json of each checkpoint on the Hugging Face Hub (field names in
 * brackets) or, where no checkpoint was released, the paper. `namedIn` lists the documents (short
 * ids, seeds/README.md) that name the model.
 */
import type { DocumentId } from './documents.js';

export interface PublishedModel {
  name: string;
  namedIn: DocumentId[];
  /** Rows of the token embedding: the tokeniser's vocabulary (plus padding rows, as released). */
  vocabSize: number;
  /** Longest sequence the position encoding covers; null when positions are relative. */
  contextLength: number | null;
  /** learned: a trained table with contextLength rows; rotary/relative: no position table. */
  positions: 'learned' | 'rotary' | 'relative';
  source: string;
}

export const PUBLISHED_MODELS = {
  'bert-base': {
    name: 'BERT-Base (uncased)',
    namedIn: ['tuning', 'interview', 'course', 'scratch'],
    vocabSize: 30522,
    contextLength: 512,
    positions: 'learned',
    source: 'google-bert/bert-base-uncased config.json (vocab_size 30522, max_position_embeddings 512, position_embedding_type "absolute")',
  },
  gpt1: {
    name: 'GPT (GPT-1)',
    namedIn: ['course'],
    vocabSize: 40478,
    contextLength: 512,
    positions: 'learned',
    source: 'openai-community/openai-gpt config.json (vocab_size 40478, n_positions 512)',
  },
  gpt2: {
    name: 'GPT-2 small',
    namedIn: ['interview', 'scratch'],
    vocabSize: 50257,
    contextLength: 1024,
    positions: 'learned',
    source: 'openai-community/gpt2 config.json (vocab_size 50257, n_positions 1024; the wpe table)',
  },
  gpt3: {
    name: 'GPT-3 175B',
    namedIn: ['interview', 'course', 'scratch'],
    vocabSize: 50257,
    contextLength: 2048,
    positions: 'learned',
    source: 'Brown et al. 2020, §2.1–2.3 (GPT-2\'s tokeniser and architecture, context window n_ctx = 2048 in Table 2.1); no released checkpoint',
  },
  't5-base': {
    name: 'T5-Base',
    namedIn: ['course'],
    vocabSize: 32128,
    contextLength: null,
    positions: 'relative',
    source: 'google-t5/t5-base config.json (vocab_size 32128: 32,000 SentencePiece pieces + 100 sentinel ids, padded; relative_attention_num_buckets 32)',
  },
  'bart-base': {
    name: 'BART-Base',
    namedIn: ['course'],
    vocabSize: 50265,
    contextLength: 1024,
    positions: 'learned',
    source: 'facebook/bart-base config.json (vocab_size 50265, max_position_embeddings 1024)',
  },
  'llama-7b': {
    name: 'LLaMA 7B',
    namedIn: ['interview', 'course', 'scratch'],
    vocabSize: 32000,
    contextLength: 2048,
    positions: 'rotary',
    source: 'huggyllama/llama-7b config.json (vocab_size 32000, max_position_embeddings 2048); Touvron et al. 2023 §2.2 (rotary embeddings)',
  },
  'qwen2.5-0.5b': {
    name: 'Qwen2.5-0.5B',
    namedIn: ['scratch'],
    vocabSize: 151936,
    contextLength: 32768,
    positions: 'rotary',
    source: 'Qwen/Qwen2.5-0.5B config.json (vocab_size 151936, max_position_embeddings 32768)',
  },
  palm: {
    name: 'PaLM 540B',
    namedIn: ['scratch'],
    vocabSize: 256000,
    contextLength: 2048,
    positions: 'rotary',
    source: 'Chowdhery et al. 2022, §2 ("SentencePiece vocabulary with 256k tokens", RoPE, sequence length 2048); no released checkpoint',
  },
} as const satisfies Record<string, PublishedModel>;

export type PublishedModelKey = keyof typeof PUBLISHED_MODELS;

