#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the anchor the TypeScript numbers are divided by.

Run by scripts/bench/main.ts with Debian's interpreter (/usr/bin/python3, which has torch):

    /usr/bin/python3 scripts/bench/torch_bench.py [--only NAME] [--quick]

and prints ONE JSON object on stdout (progress goes to stderr). NAME is one of
tinygpt-train, attention, generation. Threads: torch.set_num_threads(os.cpu_count()).

    tinygpt-train  TinyGPT (vocab 48, block 16, n_embed 128, 4 heads, 4 layers, dropout 0.1)
                   from scripts/export-fixtures.py — the module the parity fixtures come from —
                   trained with torch.optim.AdamW on random batches (B 32, T 16): steps/s.
                   Also reported: dropout 0.0, and the same run on one thread.
    attention      one head, d = 64, n = 256 ... 4096: softmax(Q Kᵀ/√d) V as three ops, and the
                   same tiled loop as src/tfjs/tiled-attention.ts (online softmax), ms per call.
                   Causal and not. Peak memory is not measured on this side (CPU tensors have
                   no allocator statistics in torch 1.13).
    generation     greedy decoding of a whole block (16 positions, batch 1) with the model
                   above in eval mode: every step re-running the full prefix, or one new
                   position per step with a key/value cache written here for the tutorial's
                   per-head modules: tokens/s.

Timing: each measurement repeats a timed loop (≥ `min_seconds`) three times and keeps the
median; the machine may be shared, so the caller records the load average too.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = dict(vocab_size=48, block_size=16, n_embed=128, n_head=4, n_layer=4)
BATCH = 32
ATTENTION_N = [256, 512, 1024, 2048, 4096]
D_HEAD = 64
BLOCK = 256  # tiled loop block size (both axes), the TS default for this benchmark


def log(msg: str) -> None:
    print(f"[torch_bench] {msg}", file=sys.stderr, flush=True)


def load_fixture_models():
    """The TinyGPT class of scripts/export-fixtures.py (file name has a hyphen: load by path)."""
    spec = importlib.util.spec_from_file_location("export_fixtures", REPO / "scripts" / "export-fixtures.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def timed(fn: Callable[[], int], min_seconds: float, repeats: int = 3) -> Tuple[float, List[float]]:
    """Median over `repeats` of (units done / seconds), each loop running ≥ min_seconds."""
    rates = []
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        while True:
            done += fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(done / elapsed)
    return statistics.median(rates), rates


# ---------------------------------------------------------------------------------------------
# (a) TinyGPT training


def train_rate(models, dropout: float, quick: bool) -> Dict[str, object]:
    torch.manual_seed(0)
    model = models.TinyGPT(**TUTORIAL, dropout=dropout)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    stream = torch.randint(0, TUTORIAL["vocab_size"], (4096,))
    T = TUTORIAL["block_size"]

    def step() -> int:
        ix = torch.randint(0, stream.numel() - T - 1, (BATCH,))
        x = torch.stack([stream[i:i + T] for i in ix])          # (B, T)
        y = torch.stack([stream[i + 1:i + 1 + T] for i in ix])  # (B, T) next tokens
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return 1

    for _ in range(5):  # warm-up
        step()
    rate, rates = timed(step, 0.5 if quick else 2.0)
    log(f"tinygpt-train dropout {dropout}, {torch.get_num_threads()} threads: {rate:.2f} steps/s")
    return {"stepsPerSec": rate, "runs": rates, "threads": torch.get_num_threads(), "dropout": dropout}


def bench_train(models, quick: bool, anchor_only: bool = False) -> Dict[str, object]:
    """The tutorial's configuration (dropout 0.1) with threads = cores is the anchor (`stepsPerSec`);
    beside it dropout 0.0, and one thread (a loaded 2-core machine can make two OpenMP threads
    slower than one, and the report should show it rather than flatter the ratio).
    `anchor_only`: the anchor alone (npm run bench times it again after the TypeScript runs)."""
    threads = torch.get_num_threads()
    main = train_rate(models, 0.1, quick)
    if anchor_only:
        return main
    no_dropout = train_rate(models, 0.0, quick)
    torch.set_num_threads(1)
    one = train_rate(models, 0.1, quick)
    torch.set_num_threads(threads)
    return {**main, "dropout0": no_dropout, "oneThread": one,
            "config": {**TUTORIAL, "dropout": 0.1, "batch": BATCH, "optimizer": "torch.optim.AdamW(lr=1e-3, weight_decay=0.01)"}}


# ---------------------------------------------------------------------------------------------
# (b) attention forward


def standard_attention(q, k, v, causal: bool):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (n, d)(d, n) -> (n, n)
    if causal:
        n = q.shape[0]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(s, dim=-1) @ v  # (n, n)(n, d) -> (n, d)


def tiled_attention(q, k, v, causal: bool, block: int = BLOCK):
    """The online-softmax loop of src/tfjs/tiled-attention.ts (query blocks outside, key blocks inside)."""
    n, d = q.shape
    qs = q / math.sqrt(d)
    outs = []
    for i0 in range(0, n, block):
        qi = qs[i0:i0 + block]                                    # (Bq, d)
        bq = qi.shape[0]
        o = torch.zeros(bq, v.shape[1]); m = torch.full((bq, 1), float("-inf")); l = torch.zeros(bq, 1)
        for j0 in range(0, n, block):
            if causal and j0 > i0 + bq - 1:
                break                                             # tile above the diagonal
            s = qi @ k[j0:j0 + block].T                           # (Bq, Bk)
            if causal and j0 + block - 1 > i0:
                rows = torch.arange(i0, i0 + bq).unsqueeze(1)
                cols = torch.arange(j0, j0 + s.shape[1]).unsqueeze(0)
                s = s.masked_fill(cols > rows, float("-inf"))
            m_new = torch.maximum(m, s.max(dim=-1, keepdim=True).values)
            p = torch.exp(s - m_new)
            alpha = torch.exp(m - m_new)
            l = alpha * l + p.sum(dim=-1, keepdim=True)
            o = alpha * o + p @ v[j0:j0 + block]
            m = m_new
        outs.append(o / l)
    return torch.cat(outs)


def bench_attention(quick: bool, sizes: List[int]) -> Dict[str, object]:
    rows = []
    torch.manual_seed(0)
    for n in sizes:
        q, k, v = (torch.randn(n, D_HEAD) for _ in range(3))
        for causal in (False, True):
            check = (tiled_attention(q, k, v, causal) - standard_attention(q, k, v, causal)).abs().max().item()
            row = {"n": n, "d": D_HEAD, "causal": causal, "tiledMaxAbsDiff": check}
            for name, fn in (("standard", standard_attention), ("tiled", tiled_attention)):
                with torch.no_grad():
                    fn(q, k, v, causal)  # warm-up
                    calls_per_sec, _ = timed(lambda: (fn(q, k, v, causal), 1)[1], 0.2 if quick else 0.6)
                row[f"{name}Ms"] = 1000.0 / calls_per_sec
            rows.append(row)
            log(f"attention n={n} causal={causal}: standard {row['standardMs']:.2f} ms, tiled {row['tiledMs']:.2f} ms")
    return {"rows": rows, "block": BLOCK}


# ---------------------------------------------------------------------------------------------
# (c) generation with and without a key/value cache


@torch.no_grad()
def cached_step(model, cache: List[Tuple[List[torch.Tensor], List[torch.Tensor]]], token: int, pos: int) -> torch.Tensor:
    """One position through the per-head modules, appending each head's key/value row."""
    x = model.token_embed.weight[token] + model.pos_embed.weight[pos]  # (C,)
    x = x.view(1, 1, -1)                                               # (1, 1, C)
    for layer, block in enumerate(model.blocks):
        a = block.ln1(x)
        heads = []
        for h, head in enumerate(block.mh.heads):
            keys, values = cache[layer]
            k_new, v_new = head.key(a), head.value(a)                    # (1, 1, hs)
            keys[h] = k_new if keys[h] is None else torch.cat([keys[h], k_new], dim=1)      # (1, t+1, hs)
            values[h] = v_new if values[h] is None else torch.cat([values[h], v_new], dim=1)
            w = torch.softmax(head.query(a) @ keys[h].transpose(-2, -1) / math.sqrt(head.head_size), dim=-1)  # (1, 1, t+1)
            heads.append(w @ values[h])                                  # (1, 1, hs)
        x = x + block.mh.proj(torch.cat(heads, dim=-1))
        x = x + block.ff(block.ln2(x))
    return model.lm_head(model.ln_f(x))[0, -1]                         # (V,)


@torch.no_grad()
def bench_generation(models, quick: bool) -> Dict[str, object]:
    torch.manual_seed(0)
    model = models.TinyGPT(**TUTORIAL, dropout=0.0).eval()
    T, L, H = TUTORIAL["block_size"], TUTORIAL["n_layer"], TUTORIAL["n_head"]

    def without_cache() -> int:
        idx = torch.tensor([[1]])
        for _ in range(T - 1):
            logits, _ = model(idx)                                       # the whole prefix again
            idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        return T - 1

    def with_cache() -> int:
        cache = [([None] * H, [None] * H) for _ in range(L)]
        tok = 1
        for pos in range(T - 1):
            tok = int(cached_step(model, cache, tok, pos).argmax())
        return T - 1

    # The two decoders must agree (greedy tokens), or the comparison is meaningless.
    idx = torch.tensor([[1]])
    cache = [([None] * H, [None] * H) for _ in range(L)]
    tok, agree = 1, True
    for pos in range(T - 1):
        full, _ = model(idx)
        step = cached_step(model, cache, tok, pos)
        agree = agree and torch.allclose(full[0, -1], step, atol=1e-5, rtol=1e-4)
        tok = int(step.argmax())
        idx = torch.cat([idx, torch.tensor([[tok]])], dim=1)
    out = {}
    for name, fn in (("withoutCache", without_cache), ("withCache", with_cache)):
        fn()
        rate, rates = timed(fn, 0.3 if quick else 1.0)
        out[name] = {"tokensPerSec": rate, "runs": rates}
        log(f"generation {name}: {rate:.1f} tokens/s")
    return {**out, "cacheMatchesFullForward": bool(agree), "tokensPerRun": T - 1}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="PyTorch timings for npm run bench (prints JSON)")
    parser.add_argument("--only", choices=["tinygpt-train", "attention", "generation"], default=None)
    parser.add_argument("--quick", action="store_true", help="shorter timing loops (smoke test)")
    parser.add_argument("--sizes", default=",".join(map(str, ATTENTION_N)), help="attention sequence lengths")
    parser.add_argument("--train-anchor-only", action="store_true", help="tinygpt-train: the anchor configuration only")
    args = parser.parse_args(argv)
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    models = load_fixture_models()
    result: Dict[str, object] = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                                 "python": sys.version.split()[0]}
    if args.only in (None, "tinygpt-train"):
        result["tinygpt-train"] = bench_train(models, args.quick, args.train_anchor_only)
    if args.only in (None, "attention"):
        result["attention"] = bench_attention(args.quick, [int(s) for s in args.sizes.split(",")])
    if args.only in (None, "generation"):
        result["generation"] = bench_generation(models, args.quick)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
