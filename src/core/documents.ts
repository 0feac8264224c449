/**
 * The five source documents (../shared/seeds/README.md), cited by short id everywhere:
 * golden records, test titles and the report carry the short id; the title comes from here.
 */
export const DOCUMENTS = {
  tuning: { title: 'LLM Tuning (blog post, 2025-09-18)', kind: 'blog post with notebook cells' },
  interview: {
    title: 'Transformer Architecture: From Self-Attention to LLMs — Conceptual + Mathematical + Interview Perspective',
    kind: 'slide deck',
  },
  notes: { title: 'Transformer Architecture (study notes)', kind: 'study notes' },
  course: { title: 'Generative AI: Foundations & Architectures — Day 2: LLMs & Fine-Tuning (A. Yaacoub)', kind: 'lecture slides' },
  scratch: { title: 'GenAI Tutorial 2025: LLMs From Scratch (F. S. Abkenar)', kind: 'tutorial' },
} as const;

export type DocumentId = keyof typeof DOCUMENTS;
export const DOCUMENT_IDS = Object.keys(DOCUMENTS) as DocumentId[];
