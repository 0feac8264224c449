#!/usr/bin/env python3
"""Export PyTorch parity fixtures for transformer-spec (layers and the two tiny models).

Run with Debian's interpreter, which is the one that has torch:

    /usr/bin/python3 scripts/export-fixtures.py --out fixtures      # write fixtures/
    /usr/bin/python3 scripts/export-fixtures.py --check fixtures    # re-export and compare

Every fixture is one .safetensors file holding the inputs, the parameters and buffers, the
outputs, the upstream gradient (layers only) and the gradients of one seeded forward/backward
pass in float32. Tensor names carry a prefix saying what they are:

    input.<arg>                forward() argument (float or int64)
    param.<state_dict key>     parameter or buffer, as loaded by module.load_state_dict()
    output.<name>              forward result (for models: logits and the scalar loss)
    cotangent.<output name>    fixed N(0, 1) upstream gradient; layer loss = sum(output * cotangent)
    grad.input.<arg>           d loss / d input   (float inputs only)
    grad.param.<key>           d loss / d parameter (never for buffers)

The modules below are written for this project. Only their parameter names follow the "scratch"
tutorial (TinyBERT section 3.4, TinyGPT section 4.4), so that a state_dict trained with the
tutorial's code loads into them unchanged, and vice versa.

Only torch and the standard library are used; numpy is used for byte encoding if importable.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from atomic_write import FileSet, write_atomic  # scripts/atomic_write.py: temp file + os.replace

import torch
import torch.nn as nn
import torch.nn.functional as F

try:  # numpy is optional; torch 1.13 on Debian ships with it, but we do not depend on it
    import numpy as _np
except ImportError:  # pragma: no cover - exercised by --self-test only
    _np = None

Tensor = torch.Tensor

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_PATH = Path(__file__).resolve()
SCRIPT_NAME = "scripts/export-fixtures.py"

SEED_BASE = 1234
BATCH = 2  # B for every layer fixture

# Tolerance used by --check, the same rule as src/core/tolerance.ts:
#     |a - b| <= ATOL + RTOL * |b|   (a = fresh export, b = stored fixture)
# NaN matches only NaN, an infinity only the same infinity, integers must be equal.
# Why not exact equality: with the same torch build and one thread the export is bit-for-bit
# reproducible, but a different BLAS thread count, CPU (AVX2 vs AVX-512 kernels) or torch
# release may sum the terms of a matmul in another order and change the last bits of a float32
# result. Those changes are a few ulps (relative ~1e-7) and grow a little through softmax and
# LayerNorm, so rtol 1e-5 leaves room for them; atol 1e-6 covers values near zero, where a
# relative bound is meaningless. (Measured with torch 1.13 on 2 cores: exporting with 2 threads
# instead of 1 changed the bytes of 8 of the 16 files, by at most |a - b| = 7.2e-7.) Real mistakes (erf vs tanh GELU ~5e-4, missing 1/sqrt(d_k),
# biased vs unbiased variance) are orders of magnitude larger.
ATOL = 1e-6
RTOL = 1e-5

MAX_FILE_BYTES = 2_000_000    # no fixture file over 2 MB
MAX_TOTAL_BYTES = 20_000_000  # all fixtures together under 20 MB

# The files this script owns inside the output directory (others may add their own topics).
OWNED_SUBDIRS = ("layers", "models")
MANIFEST = "manifest.json"


# =============================================================================================
# safetensors, written and read with struct + json
# =============================================================================================
#
# Layout: u64 little-endian N | N bytes of JSON header (space-padded) | raw tensor bytes.
# Header: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
# with offsets relative to the start of the byte buffer. We sort names and lay the tensors out
# back to back in that order, so the first begins at 0 and each begins where the last ended.

_DTYPES: Dict[torch.dtype, Tuple[str, str, int]] = {
    # torch dtype: (safetensors name, struct code, bytes per element)
    torch.float32: ("F32", "f", 4),
    torch.int64: ("I64", "q", 8),
}
_BY_NAME = {name: (dt, code, size) for dt, (name, code, size) in _DTYPES.items()}


def tensor_bytes(t: Tensor, use_numpy: Optional[bool] = None) -> bytes:
    """Little-endian, C-contiguous bytes of a float32 or int64 tensor."""
    if t.dtype not in _DTYPES:
        raise TypeError(f"tensor_bytes: dtype {t.dtype} is not supported (only float32, int64)")
    t = t.detach().cpu().contiguous()
    if use_numpy is None:
        use_numpy = _np is not None
    if use_numpy:
        little = "<f4" if t.dtype == torch.float32 else "<i8"
        return t.numpy().astype(little, copy=False).tobytes(order="C")
    # Without numpy: pack the Python values. float32 -> Python float -> 'f' is exact, because a
    # float32 value is representable as a double and packs back to the same float32.
    _, code, _ = _DTYPES[t.dtype]
    flat = t.reshape(-1).tolist()
    return struct.pack(f"<{len(flat)}{code}", *flat)


def write_safetensors(path: Path, tensors: Dict[str, Tensor], metadata: Dict[str, str], into: Optional[FileSet] = None) -> str:
    """Writes the file atomically, or stages it in `into` (written with the rest of the set); returns its sha256."""
    header: Dict[str, object] = {"__metadata__": dict(metadata)}
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"write_safetensors: metadata {key!r} must map str to str")
    chunks: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _DTYPES:
            raise TypeError(f"write_safetensors: tensor {name!r} has dtype {t.dtype}")
        data = tensor_bytes(t)
        header[name] = {
            "dtype": _DTYPES[t.dtype][0],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces so the byte buffer starts 8-aligned
    data = b"".join([struct.pack("<Q", len(text)), text, *chunks])
    if into is not None:
        return into.add(path, data)
    write_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def read_safetensors(path: Path) -> Tuple[Dict[str, Tensor], Dict[str, str]]:
    """Read a file written by write_safetensors (F32/I64 only), validating its layout."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    buffer = raw[8 + n :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors: Dict[str, Tensor] = {}
    expected_begin = 0
    for name in sorted(header, key=lambda k: header[k]["data_offsets"][0]):
        entry = header[name]
        if entry["dtype"] not in _BY_NAME:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {entry['dtype']}")
        dtype, code, size = _BY_NAME[entry["dtype"]]
        shape = [int(s) for s in entry["shape"]]
        begin, end = entry["data_offsets"]
        count = math.prod(shape)
        if begin != expected_begin or end - begin != count * size:
            raise ValueError(f"{path}: tensor {name!r} has offsets {begin}..{end}, expected "
                             f"{expected_begin}..{expected_begin + count * size}")
        values = struct.unpack(f"<{count}{code}", buffer[begin:end])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(shape)
        expected_begin = end
    if expected_begin != len(buffer):
        raise ValueError(f"{path}: {len(buffer) - expected_begin} trailing bytes after the tensors")
    return tensors, metadata


# =============================================================================================
# Modules (parameter names as in the tutorial's checkpoints)
# =============================================================================================
#
# Shapes: B batch, T (T_q) query length, S (T_k) key/memory length, C = n_embed, hs = head size.


class Head(nn.Module):
    r"""One attention head.

    \mathrm{head}(X, M) = \mathrm{softmax}\!\left(\frac{(X W_Q)(M W_K)^\top}{\sqrt{d_k}} + \mathrm{mask}\right)(M W_V)

    M (the memory) defaults to X: self-attention. With block_size the head is causal: position i
    sees only positions j <= i, enforced with -inf where the stored lower triangle "tril" is 0.
    """

    def __init__(self, n_embed: int, head_size: int, block_size: Optional[int] = None, dropout: float = 0.0):
        super().__init__()
        self.head_size = head_size
        self.key = nn.Linear(n_embed, head_size, bias=False)
        self.query = nn.Linear(n_embed, head_size, bias=False)
        self.value = nn.Linear(n_embed, head_size, bias=False)
        self.dropout = nn.Dropout(dropout)  # on the attention weights; identity in eval()
        self.causal = block_size is not None
        if self.causal:
            # persistent buffer: part of the state_dict (key "tril"), not a parameter
            self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))

    def forward(self, x: Tensor, memory: Optional[Tensor] = None) -> Tensor:
        source = x if memory is None else memory
        t_q, t_k = x.shape[1], source.shape[1]
        q = self.query(x)       # (B, T, hs)
        k = self.key(source)    # (B, S, hs)
        v = self.value(source)  # (B, S, hs)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_size)  # (B, T, hs) @ (B, hs, S) -> (B, T, S)
        if self.causal:
            if t_q != t_k or t_q > self.tril.shape[0]:
                raise ValueError(f"Head: causal attention needs T_q == T_k <= block_size "
                                 f"({self.tril.shape[0]}), got T_q={t_q}, T_k={t_k}")
            scores = scores.masked_fill(self.tril[:t_q, :t_k] == 0, float("-inf"))  # (B, T, T)
        weights = F.softmax(scores, dim=-1)  # each query's row sums to 1 over the keys
        return self.dropout(weights) @ v     # (B, T, S) @ (B, S, hs) -> (B, T, hs)


class MultiHead(nn.Module):
    r"""\mathrm{MultiHead}(X) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_O + b_O,
    with h = n_head heads of size n_embed // n_head."""

    def __init__(self, n_embed: int, n_head: int, block_size: Optional[int] = None, dropout: float = 0.0):
        super().__init__()
        if n_embed % n_head != 0:
            raise ValueError(f"MultiHead: n_embed={n_embed} is not divisible by n_head={n_head}")
        self.heads = nn.ModuleList(Head(n_embed, n_embed // n_head, block_size, dropout) for _ in range(n_head))
        self.proj = nn.Linear(n_embed, n_embed)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        concat = torch.cat([h(x) for h in self.heads], dim=-1)  # n_head x (B, T, hs) -> (B, T, C)
        return self.dropout(self.proj(concat))                   # (B, T, C)


class CrossMultiHead(nn.Module):
    r"""Encoder-decoder attention: queries from the decoder stream X, keys and values from the
    encoder output M; no mask. Same parameter names as MultiHead."""

    def __init__(self, n_embed: int, n_head: int, dropout: float = 0.0):
        super().__init__()
        if n_embed % n_head != 0:
            raise ValueError(f"CrossMultiHead: n_embed={n_embed} is not divisible by n_head={n_head}")
        self.heads = nn.ModuleList(Head(n_embed, n_embed // n_head, None, dropout) for _ in range(n_head))
        self.proj = nn.Linear(n_embed, n_embed)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        concat = torch.cat([h(x, memory) for h in self.heads], dim=-1)  # n_head x (B, T, hs) -> (B, T, C)
        return self.dropout(self.proj(concat))                           # (B, T, C)


class FeedForward(nn.Module):
    r"""\mathrm{FFN}(x) = \phi(x W_1 + b_1) W_2 + b_2, inner width 4 * n_embed.

    net.1 is the activation phi and net.3 a dropout, neither has parameters, so the keys are
    net.0.weight, net.0.bias, net.2.weight, net.2.bias whatever phi is."""

    def __init__(self, n_embed: int, activation: Optional[nn.Module] = None, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embed, 4 * n_embed),   # (B, T, C) -> (B, T, 4C)
            activation if activation is not None else nn.GELU(),
            nn.Linear(4 * n_embed, n_embed),   # (B, T, 4C) -> (B, T, C)
            nn.Dropout(dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class Block(nn.Module):
    r"""Pre-LN block, as the tutorial's code (and GPT-2) computes it:

    x \leftarrow x + \mathrm{MultiHead}(\mathrm{LN}_1(x)); \quad x \leftarrow x + \mathrm{FFN}(\mathrm{LN}_2(x))

    (The tutorial's prose and Vaswani et al. describe post-LN; see EncoderLayerPostLN.)"""

    def __init__(self, n_embed: int, n_head: int, block_size: Optional[int] = None, dropout: float = 0.0):
        super().__init__()
        # construction order as the tutorial's, so default initialisation draws the same numbers
        self.mh = MultiHead(n_embed, n_head, block_size, dropout)
        self.ff = FeedForward(n_embed, nn.GELU(), dropout)
        self.ln1 = nn.LayerNorm(n_embed)
        self.ln2 = nn.LayerNorm(n_embed)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.mh(self.ln1(x))  # (B, T, C)
        x = x + self.ff(self.ln2(x))  # (B, T, C)
        return x


class EncoderLayerPostLN(nn.Module):
    r"""Post-LN encoder layer (Vaswani et al. 2017, "Add & Norm" after each sublayer), ReLU FFN:

    h = \mathrm{LN}_1(x + \mathrm{MultiHead}(x)); \quad y = \mathrm{LN}_2(h + \mathrm{FFN}(h))"""

    def __init__(self, n_embed: int, n_head: int, dropout: float = 0.0):
        super().__init__()
        self.self_attn = MultiHead(n_embed, n_head, None, dropout)
        self.ln1 = nn.LayerNorm(n_embed)
        self.ff = FeedForward(n_embed, nn.ReLU(), dropout)
        self.ln2 = nn.LayerNorm(n_embed)

    def forward(self, x: Tensor) -> Tensor:
        h = self.ln1(x + self.self_attn(x))  # (B, T, C)
        return self.ln2(h + self.ff(h))      # (B, T, C)


class DecoderLayerPostLN(nn.Module):
    r"""Post-LN decoder layer (Vaswani et al. 2017), ReLU FFN, M = encoder output:

    h_1 = \mathrm{LN}_1(x + \mathrm{MaskedMultiHead}(x)); \;
    h_2 = \mathrm{LN}_2(h_1 + \mathrm{CrossMultiHead}(h_1, M)); \;
    y = \mathrm{LN}_3(h_2 + \mathrm{FFN}(h_2))"""

    def __init__(self, n_embed: int, n_head: int, block_size: int, dropout: float = 0.0):
        super().__init__()
        self.self_attn = MultiHead(n_embed, n_head, block_size, dropout)
        self.cross_attn = CrossMultiHead(n_embed, n_head, dropout)
        self.ln1 = nn.LayerNorm(n_embed)
        self.ln2 = nn.LayerNorm(n_embed)
        self.ln3 = nn.LayerNorm(n_embed)
        self.ff = FeedForward(n_embed, nn.ReLU(), dropout)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        h1 = self.ln1(x + self.self_attn(x))             # (B, T, C)
        h2 = self.ln2(h1 + self.cross_attn(h1, memory))  # (B, T, C), memory (B, S, C)
        return self.ln3(h2 + self.ff(h2))                # (B, T, C)


class RMSNorm(nn.Module):
    r"""Root-mean-square layer normalisation (Zhang & Sennrich 2019, eq. 4), with \epsilon under
    the root as in T5, LLaMA and torch >= 2.4's nn.RMSNorm (torch 1.13 has none, hence this class):

    y = \frac{x}{\sqrt{\tfrac{1}{C}\sum_c x_c^2 + \epsilon}} \odot \gamma

    No mean subtraction and no bias; one parameter, "weight" (gamma, shape (C,), initialised to 1)."""

    def __init__(self, normalized_shape: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))

    def forward(self, x: Tensor) -> Tensor:
        rms = torch.sqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps)  # (B, T, 1)
        return x / rms * self.weight                                      # (B, T, C)


class _TinyLM(nn.Module):
    """Token + learned position embeddings, a stack of pre-LN Blocks, a final LayerNorm and a
    linear head to vocabulary logits. TinyGPT and TinyBERT differ only in the causal mask, the
    head's name and the loss's ignore_index."""

    head_name = "lm_head"
    ignore_index = -100

    def __init__(self, vocab_size: int, block_size: int, n_embed: int = 128, n_head: int = 4,
                 n_layer: int = 4, dropout: float = 0.1, causal: bool = True):
        super().__init__()
        self.block_size = block_size
        self.token_embed = nn.Embedding(vocab_size, n_embed)
        self.pos_embed = nn.Embedding(block_size, n_embed)
        self.blocks = nn.Sequential(*[Block(n_embed, n_head, block_size if causal else None, dropout)
                                      for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embed)
        setattr(self, self.head_name, nn.Linear(n_embed, vocab_size))

    def _forward(self, idx: Tensor, targets: Optional[Tensor]) -> Tuple[Tensor, Optional[Tensor]]:
        _, t = idx.shape  # (B, T) token ids
        if t > self.block_size:
            raise ValueError(f"{type(self).__name__}: sequence length {t} exceeds block_size {self.block_size}")
        positions = torch.arange(t, device=idx.device)           # (T,)
        x = self.token_embed(idx) + self.pos_embed(positions)    # (B, T, C) + (T, C) -> (B, T, C)
        x = self.ln_f(self.blocks(x))                            # (B, T, C)
        logits = getattr(self, self.head_name)(x)                # (B, T, V)
        if targets is None:
            return logits, None
        # mean cross-entropy over the positions whose target is not ignore_index
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),  # (B*T, V), (B*T,)
                               ignore_index=self.ignore_index)
        return logits, loss


class TinyGPT(_TinyLM):
    """Decoder-only: causal blocks, head "lm_head", next-token cross-entropy."""

    head_name = "lm_head"

    def __init__(self, vocab_size: int, block_size: int, n_embed: int = 128, n_head: int = 4,
                 n_layer: int = 4, dropout: float = 0.1):
        super().__init__(vocab_size, block_size, n_embed, n_head, n_layer, dropout, causal=True)

    def forward(self, idx: Tensor, targets: Optional[Tensor] = None):
        return self._forward(idx, targets)


class TinyBERT(_TinyLM):
    """Encoder-only: bidirectional blocks, head "mlm_head", cross-entropy on labelled positions
    only (label -100 elsewhere)."""

    head_name = "mlm_head"

    def __init__(self, vocab_size: int, block_size: int, n_embed: int = 128, n_head: int = 4,
                 n_layer: int = 4, dropout: float = 0.1):
        super().__init__(vocab_size, block_size, n_embed, n_head, n_layer, dropout, causal=False)

    def forward(self, idx: Tensor, labels: Optional[Tensor] = None):
        return self._forward(idx, labels)


# =============================================================================================
# Fixture table
# =============================================================================================


def perturb_norms(module: nn.Module) -> None:
    """LayerNorm/BatchNorm/RMSNorm start at weight 1 (bias 0), which would hide a swapped or
    missing affine step; move them off those values: weight = 1 + 0.1 N(0,1), bias = 0.1 N(0,1)
    (RMSNorm has no bias)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.LayerNorm, nn.BatchNorm1d)):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape))
            elif isinstance(m, RMSNorm):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape))


ACTIVATIONS: Dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(),
    "gelu": lambda: nn.GELU(),                      # exact: x * Phi(x), Phi via erf
    "gelu-tanh": lambda: nn.GELU(approximate="tanh"),
}


@dataclass
class Fixture:
    kind: str                             # "layer" | "model"
    name: str                             # file stem
    description: str                      # one line
    config: Dict[str, object]             # constructor arguments and conventions
    build: Optional[Callable[[], nn.Module]]  # None: a scaffolded stub not filled in yet (skipped)
    make_inputs: Callable[[], Dict[str, Tensor]]
    training: bool = False                # module.train() instead of eval()

    @property
    def file(self) -> str:
        return f"{'layers' if self.kind == 'layer' else 'models'}/{self.name}.safetensors"


def _randn(*shape: int, scale: float = 1.0, shift: float = 0.0) -> Tensor:
    return scale * torch.randn(*shape) + shift


def _ffn_fixture(name: str, act: str, label: str) -> Fixture:
    return Fixture(
        "layer", name, f"FeedForward(8) with {label}: Linear(8,32) -> {label} -> Linear(32,8), eval mode",
        {"module": "FeedForward", "n_embed": 8, "hidden": 32, "activation": act, "mode": "eval"},
        lambda: FeedForward(8, ACTIVATIONS[act]()),
        lambda: {"x": _randn(BATCH, 4, 8)},
    )


def _gelu_fixture(name: str, act: str, label: str) -> Fixture:
    return Fixture(
        "layer", name, f"nn.GELU {label} on 64 points: linspace(-6, 6) plus 0.05 N(0,1) noise",
        {"module": "GELU", "approximate": "none" if act == "gelu" else "tanh", "mode": "eval"},
        ACTIVATIONS[act],
        lambda: {"x": torch.linspace(-6.0, 6.0, 64) + 0.05 * torch.randn(64)},
    )


def _tinybert_inputs(vocab: int, batch: int, length: int) -> Dict[str, Tensor]:
    idx = torch.randint(0, vocab, (batch, length))
    labels = torch.full((batch, length), -100, dtype=torch.int64)
    n = batch * length
    chosen = torch.randperm(n)[: n // 4]  # exactly 25% of the positions carry a label
    labels.view(-1)[chosen] = torch.randint(0, vocab, (chosen.numel(),))
    return {"idx": idx, "labels": labels}


GPT_EXPORT = dict(vocab_size=48, block_size=16, n_embed=32, n_head=4, n_layer=2, dropout=0.1)
BERT_EXPORT = dict(vocab_size=24, block_size=8, n_embed=32, n_head=4, n_layer=2, dropout=0.1)
GPT_TUTORIAL = dict(vocab_size=48, block_size=16, n_embed=128, n_head=4, n_layer=4)
BERT_TUTORIAL = dict(vocab_size=24, block_size=8, n_embed=128, n_head=4, n_layer=4)

FIXTURES: List[Fixture] = [
    Fixture(
        "layer", "layer-norm", "nn.LayerNorm(8), eps 1e-5, biased variance, perturbed affine, on x [2,4,8]",
        {"module": "LayerNorm", "normalized_shape": [8], "eps": 1e-5, "elementwise_affine": True,
         "variance": "biased", "mode": "eval"},
        lambda: nn.LayerNorm(8, eps=1e-5),
        lambda: {"x": _randn(BATCH, 4, 8, scale=1.5, shift=0.3)},
    ),
    Fixture(
        "layer", "batch-norm",
        "nn.BatchNorm1d(8) in training mode on x [6,8]: batch statistics, biased variance to normalise; "
        "running stats updated with unbiased variance (output.running_*)",
        {"module": "BatchNorm1d", "num_features": 8, "eps": 1e-5, "momentum": 0.1, "affine": True,
         "track_running_stats": True, "mode": "train",
         "variance": "biased for normalising, unbiased for running_var"},
        lambda: nn.BatchNorm1d(8, eps=1e-5, momentum=0.1),
        lambda: {"x": _randn(6, 8, scale=2.0) + torch.linspace(-1.0, 1.0, 8)},
        training=True,
    ),
    _gelu_fixture("gelu-erf", "gelu", "exact (erf)"),
    _gelu_fixture("gelu-tanh", "gelu-tanh", "tanh approximation"),
    _ffn_fixture("ffn-relu", "relu", "ReLU"),
    _ffn_fixture("ffn-gelu", "gelu", "exact GELU"),
    _ffn_fixture("ffn-gelu-tanh", "gelu-tanh", "tanh GELU"),
    Fixture(
        "layer", "multi-head", "MultiHead(16, 4) bidirectional self-attention on x [2,5,16]",
        {"module": "MultiHead", "n_embed": 16, "n_head": 4, "head_size": 4, "block_size": None,
         "causal": False, "mode": "eval"},
        lambda: MultiHead(16, 4),
        lambda: {"x": _randn(BATCH, 5, 16)},
    ),
    Fixture(
        "layer", "causal-multi-head",
        "MultiHead(16, 4, block_size=8) causal self-attention on x [2,5,16] (T=5 < block_size)",
        {"module": "MultiHead", "n_embed": 16, "n_head": 4, "head_size": 4, "block_size": 8,
         "causal": True, "mask": "-inf where tril[:T,:T] == 0", "mode": "eval"},
        lambda: MultiHead(16, 4, block_size=8),
        lambda: {"x": _randn(BATCH, 5, 16)},
    ),
    Fixture(
        "layer", "cross-multi-head",
        "CrossMultiHead(16, 4): queries from x [2,4,16], keys/values from memory [2,6,16], no mask",
        {"module": "CrossMultiHead", "n_embed": 16, "n_head": 4, "head_size": 4, "causal": False,
         "mode": "eval"},
        lambda: CrossMultiHead(16, 4),
        lambda: {"x": _randn(BATCH, 4, 16), "memory": _randn(BATCH, 6, 16)},
    ),
    Fixture(
        "layer", "block", "Pre-LN Block(16, 4) with exact-GELU FFN, bidirectional, on x [2,5,16]",
        {"module": "Block", "n_embed": 16, "n_head": 4, "block_size": None, "causal": False,
         "norm": "pre-LN", "ln_eps": 1e-5, "activation": "gelu", "mode": "eval"},
        lambda: Block(16, 4),
        lambda: {"x": _randn(BATCH, 5, 16)},
    ),
    Fixture(
        "layer", "causal-block", "Pre-LN Block(16, 4, block_size=8) with exact-GELU FFN, causal, on x [2,5,16]",
        {"module": "Block", "n_embed": 16, "n_head": 4, "block_size": 8, "causal": True,
         "norm": "pre-LN", "ln_eps": 1e-5, "activation": "gelu", "mode": "eval"},
        lambda: Block(16, 4, block_size=8),
        lambda: {"x": _randn(BATCH, 5, 16)},
    ),
    Fixture(
        "layer", "encoder-layer-post-ln", "Post-LN EncoderLayerPostLN(16, 4) with ReLU FFN on x [2,5,16]",
        {"module": "EncoderLayerPostLN", "n_embed": 16, "n_head": 4, "causal": False, "norm": "post-LN",
         "ln_eps": 1e-5, "activation": "relu", "mode": "eval"},
        lambda: EncoderLayerPostLN(16, 4),
        lambda: {"x": _randn(BATCH, 5, 16)},
    ),
    Fixture(
        "layer", "decoder-layer-post-ln",
        "Post-LN DecoderLayerPostLN(16, 4, 8): causal self-attn, cross-attn, ReLU FFN; x [2,4,16], memory [2,6,16]",
        {"module": "DecoderLayerPostLN", "n_embed": 16, "n_head": 4, "block_size": 8, "causal": True,
         "norm": "post-LN", "ln_eps": 1e-5, "activation": "relu", "mode": "eval"},
        lambda: DecoderLayerPostLN(16, 4, 8),
        lambda: {"x": _randn(BATCH, 4, 16), "memory": _randn(BATCH, 6, 16)},
    ),
    Fixture(
        "model", "tinygpt",
        "TinyGPT(48, 16, n_embed=32, n_head=4, n_layer=2) eval mode; uniform idx/targets [4,16]; mean cross-entropy",
        {"module": "TinyGPT", **GPT_EXPORT, "causal": True, "norm": "pre-LN", "ln_eps": 1e-5,
         "activation": "gelu", "loss": "cross_entropy mean", "mode": "eval"},
        lambda: TinyGPT(**GPT_EXPORT),
        lambda: {"idx": torch.randint(0, 48, (4, 16)), "targets": torch.randint(0, 48, (4, 16))},
    ),
    Fixture(
        "model", "tinybert",
        "TinyBERT(24, 8, n_embed=32, n_head=4, n_layer=2) eval mode; idx [4,8], labels -100 except 25% of positions",
        {"module": "TinyBERT", **BERT_EXPORT, "causal": False, "norm": "pre-LN", "ln_eps": 1e-5,
         "activation": "gelu", "loss": "cross_entropy mean, ignore_index -100", "mode": "eval"},
        lambda: TinyBERT(**BERT_EXPORT),
        lambda: _tinybert_inputs(24, 4, 8),
    ),
]


# =============================================================================================
# Layers added with `npm run new-layer -- <name>` (CONTRIBUTING.md, "Adding a layer")
# =============================================================================================
#
# The scaffolder appends one stub per new layer just above the marker line at the end of this
# section: a Fixture with build=None. A stub is registered (it holds its place in FIXTURES, and
# so its seed SEED_BASE + index), but --out and --check skip it with a printed notice until
# build is set, so every other fixture keeps exporting and checking meanwhile. Fill a stub in
# where it stands: write the module (in "Modules" above, or next to the stub), set build=, and
# replace the TODO description and config. Append only — a fixture's seed is its index, so an
# entry inserted earlier would change the numbers of every fixture after it.

# --- rms-norm: scaffolded by `npm run new-layer -- rms-norm`, filled in (CONTRIBUTING.md) ------
# The module is RMSNorm in "Modules" above. Inputs shifted off zero mean, as for layer-norm, so
# that LayerNorm (which re-centres) and RMSNorm (which does not) give visibly different outputs.
FIXTURES.append(Fixture(
    "layer", "rms-norm",
    "RMSNorm(8), eps 1e-6 under the root, no mean subtraction, no bias, perturbed weight, on x [2,4,8]",
    {"module": "RMSNorm", "normalized_shape": [8], "eps": 1e-6, "bias": False,
     "formula": "x / sqrt(mean(x^2, -1) + eps) * weight", "mode": "eval"},
    build=lambda: RMSNorm(8, eps=1e-6),
    make_inputs=lambda: {"x": _randn(BATCH, 4, 8, scale=1.5, shift=0.3)},
))

# --- general attention (issue 15): GQA/MQA, KV cache, masks, bias, ALiBi, soft-capping ----------
# One parameter-free module, written from the formulas (torch 1.13 has no scaled_dot_product_attention
# and Hugging Face is not installed here). Conventions, each named where it is used:
#   - grouped-query heads: Hugging Face's repeat_kv (kv head g serves query heads g*G ... g*G + G - 1);
#   - causal "top-left" (torch SDPA is_causal, ONNX): j <= i; "bottom-right" (FlashAttention >= 2.1,
#     decoding with a cache): j <= i + n_k - n_q;
#   - masks (1 = may attend) broadcast like torch's attn_mask; key_lengths mask keys j >= length;
#   - ALiBi as Hugging Face's build_alibi_tensor: slope_h * j added to the scores, slopes from
#     Press et al.'s code (non-powers of two: the odd slopes of the next power of two);
#   - soft-capping as Gemma 2: cap * tanh(s / cap) on the scaled scores, before bias and mask.
# The inputs and the cotangent are seeded by the fixture's name (not by its index in FIXTURES), so
# these files stay the same whatever other fixtures are appended before them on another branch.


def repeat_kv(x: Tensor, group: int) -> Tensor:
    """Hugging Face's repeat_kv: (B, H_kv, n, d) -> (B, H_kv * group, n, d), each kv head repeated group times in place."""
    b, h_kv, n, d = x.shape
    return x[:, :, None, :, :].expand(b, h_kv, group, n, d).reshape(b, h_kv * group, n, d)  # (B, H, n, d)


def alibi_slopes(n_heads: int) -> Tensor:
    """ALiBi slopes as Hugging Face's build_alibi_tensor computes them (Press et al. 2022)."""
    closest = 2 ** math.floor(math.log2(n_heads))
    base = 2.0 ** (-(2.0 ** -(math.log2(closest) - 3)))
    slopes = base ** torch.arange(1, 1 + closest, dtype=torch.float64)
    if closest != n_heads:
        extra_base = 2.0 ** (-(2.0 ** -(math.log2(2 * closest) - 3)))
        remaining = min(closest, n_heads - closest)
        slopes = torch.cat([slopes, extra_base ** torch.arange(1, 1 + 2 * remaining, 2, dtype=torch.float64)])
    return slopes.float()  # (H,)


class GeneralAttention(nn.Module):
    r"""softmax(mask(cap \cdot tanh(scale \cdot Q K^T / cap) + bias + alibi)) V, with K/V heads shared
    by groups of query heads and optional cached keys/values in front of K and V. No parameters:
    the inputs (named by `input_names`, in the order run_fixture passes them) are the tensors."""

    def __init__(self, input_names: List[str], scale: Optional[float] = None, causal: Optional[str] = None,
                 softcap: Optional[float] = None, alibi: bool = False, key_lengths: Optional[List[int]] = None):
        super().__init__()
        self.input_names, self.scale, self.causal = input_names, scale, causal
        self.softcap, self.alibi, self.key_lengths = softcap, alibi, key_lengths

    def forward(self, *args: Tensor) -> Tensor:
        x = dict(zip(self.input_names, args))
        q, k, v = x["q"], x["k"], x["v"]                       # (B, H, T, dk), (B, Hkv, S, dk), (B, Hkv, S, dv)
        if "past_key" in x:
            k = torch.cat([x["past_key"], k], dim=-2)          # (B, Hkv, P + S, dk)
            v = torch.cat([x["past_value"], v], dim=-2)        # (B, Hkv, P + S, dv)
        n_q, n_k = q.shape[-2], k.shape[-2]
        group = q.shape[1] // k.shape[1]
        k, v = repeat_kv(k, group), repeat_kv(v, group)        # (B, H, n_k, d)
        scale = self.scale if self.scale is not None else 1.0 / math.sqrt(q.shape[-1])
        s = (q @ k.transpose(-2, -1)) * scale                  # (B, H, T, dk) @ (B, H, dk, n_k) -> (B, H, T, n_k)
        if self.softcap is not None:
            s = self.softcap * torch.tanh(s / self.softcap)
        if "bias" in x:
            s = s + x["bias"]                                  # broadcast to (B, H, T, n_k)
        if self.alibi:
            s = s + alibi_slopes(q.shape[1])[:, None, None] * torch.arange(n_k, dtype=torch.float32)  # (H, 1, n_k)
        allowed = torch.ones(n_q, n_k, dtype=torch.bool)
        if self.causal == "top-left":
            allowed = torch.ones(n_q, n_k).tril().bool()                       # j <= i
        elif self.causal == "bottom-right":
            allowed = torch.ones(n_q, n_k).tril(diagonal=n_k - n_q).bool()     # j <= i + n_k - n_q
        if "mask" in x:
            allowed = allowed & x["mask"].bool()
        if self.key_lengths is not None:
            lengths = torch.tensor(self.key_lengths)
            allowed = allowed & (torch.arange(n_k)[None, :] < lengths[:, None])[:, None, None, :]  # (B, 1, 1, n_k)
        s = s.masked_fill(~allowed, float("-inf"))
        return F.softmax(s, dim=-1) @ v                        # (B, H, T, n_k) @ (B, H, n_k, dv) -> (B, H, T, dv)


def _name_seed(name: str) -> int:
    """The seed of an attention fixture's inputs and cotangent: from its name, not its index."""
    return SEED_BASE + sum(ord(c) * 31 ** i for i, c in enumerate(name)) % 100_000


def _attention_inputs(name: str, shapes: Dict[str, Tuple[int, ...]], mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
    """Inputs drawn after seeding the global generator by the fixture's name (so is the cotangent)."""
    torch.manual_seed(_name_seed(name))
    out = {n: torch.randn(*s) for n, s in shapes.items()}
    if mask is not None:
        out["mask"] = mask
    return out


def _attention_fixture(name: str, description: str, config: Dict[str, object], shapes: Dict[str, Tuple[int, ...]],
                       mask: Optional[Tensor] = None) -> Fixture:
    names = list(shapes) + (["mask"] if mask is not None else [])
    kwargs = {k: config[k] for k in ("scale", "causal", "softcap", "alibi", "key_lengths") if k in config}
    return Fixture("layer", name, description, {"module": "GeneralAttention", "inputs": names, "input_seed": _name_seed(name), **config},
                   build=lambda: GeneralAttention(names, **kwargs), make_inputs=lambda: _attention_inputs(name, shapes, mask))


FIXTURES.append(_attention_fixture(
    "attention-gqa",
    "grouped-query attention, 4 query heads sharing 2 kv heads (HF repeat_kv), d_v 3 != d_k 4, causal, q [2,4,5,4]",
    {"kv_grouping": "HF repeat_kv", "causal": "bottom-right", "scale": None, "n_heads": 4, "n_kv_heads": 2},
    {"q": (BATCH, 4, 5, 4), "k": (BATCH, 2, 5, 4), "v": (BATCH, 2, 5, 3)},
))
FIXTURES.append(_attention_fixture(
    "attention-mqa-cache",
    "multi-query attention (3 heads, 1 kv head) decoding 2 tokens after a cache of 4, scale 0.25, key lengths [6, 4]",
    {"kv_grouping": "HF repeat_kv", "causal": "bottom-right", "scale": 0.25, "key_lengths": [6, 4],
     "n_heads": 3, "n_kv_heads": 1},
    {"q": (BATCH, 3, 2, 4), "k": (BATCH, 1, 2, 4), "v": (BATCH, 1, 2, 5),
     "past_key": (BATCH, 1, 4, 4), "past_value": (BATCH, 1, 4, 5)},
))
FIXTURES.append(_attention_fixture(
    "attention-mask-bias",
    "top-left causal (torch is_causal) with 3 queries and 5 keys, a per-head boolean mask [2,3,5] and an additive bias [2,1,3,5]",
    {"causal": "top-left", "mask_shape": [2, 3, 5], "bias_shape": [BATCH, 1, 3, 5], "mask_broadcast": "torch attn_mask (right-aligned)"},
    {"q": (BATCH, 2, 3, 4), "k": (BATCH, 2, 5, 4), "v": (BATCH, 2, 5, 4), "bias": (BATCH, 1, 3, 5)},
    mask=torch.tensor([[[1, 0, 1, 1, 1], [1, 1, 0, 1, 1], [1, 1, 1, 0, 1]],
                       [[1, 1, 1, 1, 0], [0, 1, 1, 1, 1], [1, 0, 1, 1, 1]]], dtype=torch.int64),
))
FIXTURES.append(_attention_fixture(
    "attention-alibi",
    "ALiBi with 6 heads (not a power of two; HF build_alibi_tensor slopes and slope*j bias), causal, q [2,6,5,4]",
    {"alibi": True, "alibi_convention": "HF build_alibi_tensor: slope_h * j", "causal": "bottom-right", "n_heads": 6},
    {"q": (BATCH, 6, 5, 4), "k": (BATCH, 6, 5, 4), "v": (BATCH, 6, 5, 4)},
))
FIXTURES.append(_attention_fixture(
    "attention-softcap",
    "Gemma 2 logit soft-capping, cap 1.5 on scores scaled by 0.5, GQA 4 heads / 2 kv heads, causal, q [2,4,5,4]",
    {"softcap": 1.5, "scale": 0.5, "causal": "bottom-right", "kv_grouping": "HF repeat_kv", "n_heads": 4, "n_kv_heads": 2},
    {"q": (BATCH, 4, 5, 4), "k": (BATCH, 2, 5, 4), "v": (BATCH, 2, 5, 4)},
))

# new-layer: stubs are inserted above this line (keep it)


# =============================================================================================
# Export
# =============================================================================================


def setup_torch() -> None:
    torch.set_num_threads(1)  # one thread: the same summation order on every run
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started
        pass
    torch.set_default_dtype(torch.float32)
    if hasattr(torch, "use_deterministic_algorithms"):
        torch.use_deterministic_algorithms(True)


def run_fixture(index: int, fx: Fixture) -> Dict[str, Tensor]:
    """Build, run forward and backward, and return every tensor to store, by prefixed name."""
    torch.manual_seed(SEED_BASE + index)
    module = fx.build()
    perturb_norms(module)
    module.train(fx.training)
    inputs = fx.make_inputs()
    out: Dict[str, Tensor] = {}

    # parameters and buffers as they are before the forward pass (BatchNorm's buffers change)
    for key, value in module.state_dict().items():
        out[f"param.{key}"] = value.detach().clone()
    for name, value in inputs.items():
        out[f"input.{name}"] = value.clone()
        if value.is_floating_point():
            value.requires_grad_(True)

    if fx.kind == "model":
        logits, loss = module(*inputs.values())
        outputs = {"logits": logits, "loss": loss}
    else:
        outputs = {"y": module(*inputs.values())}
        if fx.training:
            # buffers the forward pass updated (running statistics); not differentiable,
            # so they get no cotangent
            for key, value in module.named_buffers():
                outputs[key] = value
        loss = None
        for name, value in outputs.items():
            if value.requires_grad:
                cotangent = torch.randn(value.shape)
                out[f"cotangent.{name}"] = cotangent
                term = (value * cotangent).sum()
                loss = term if loss is None else loss + term
    for name, value in outputs.items():
        out[f"output.{name}"] = value.detach().clone()

    loss.backward()
    for name, value in inputs.items():
        if value.is_floating_point():
            out[f"grad.input.{name}"] = value.grad.detach().clone()
    for key, p in module.named_parameters():
        grad = p.grad if p.grad is not None else torch.zeros_like(p)
        out[f"grad.param.{key}"] = grad.detach().clone()

    for name, value in out.items():
        if value.dtype not in (torch.float32, torch.int64):
            raise TypeError(f"{fx.name}: tensor {name} has dtype {value.dtype}")
    return out


def count_elements(module: nn.Module) -> Tuple[int, int]:
    """(parameter elements, persistent buffer elements). model.parameters() excludes buffers."""
    params = sum(p.numel() for p in module.parameters())
    param_keys = {k for k, _ in module.named_parameters()}
    buffers = sum(v.numel() for k, v in module.state_dict().items() if k not in param_keys)
    return params, buffers


def parameter_counts() -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for label, cls, cfg in (("tinygpt_export", TinyGPT, GPT_EXPORT), ("tinybert_export", TinyBERT, BERT_EXPORT),
                            ("tinygpt_tutorial", TinyGPT, GPT_TUTORIAL),
                            ("tinybert_tutorial", TinyBERT, BERT_TUTORIAL)):
        torch.manual_seed(0)
        params, buffers = count_elements(cls(**cfg))
        counts[label] = params
        counts[f"{label}_buffers"] = buffers
    return counts


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tolerance_record() -> Dict[str, object]:
    return {
        "float": {"atol": ATOL, "rtol": RTOL, "rule": "|a - b| <= atol + rtol * |b|, b = stored fixture",
                  "nan": "NaN matches only NaN", "inf": "an infinity matches only the same infinity"},
        "integer": "exact",
        "reason": "BLAS thread count, CPU kernels or torch release can reorder float32 sums and "
                  "change the last bits of matmul results",
    }


def export_all(out_dir: Path, quiet: bool = False) -> Dict[str, object]:
    out_dir = Path(out_dir)
    fixtures_meta = []
    with FileSet() as files:  # every fixture and the manifest: all new or all old
        return _export_into(files, out_dir, fixtures_meta, quiet)


def _export_into(files: FileSet, out_dir: Path, fixtures_meta: List[Dict[str, object]], quiet: bool) -> Dict[str, object]:
    for index, fx in enumerate(FIXTURES):
        if fx.build is None:  # a scaffolded stub: keeps its index (seed), exports nothing yet
            print(f"skipped {fx.file}: stub from `npm run new-layer -- {fx.name}` has no module yet "
                  f"(set build= in {SCRIPT_NAME})")
            continue
        tensors = run_fixture(index, fx)
        metadata = {
            "config": json.dumps(fx.config, sort_keys=True, separators=(",", ":")),
            "description": fx.description,
            "kind": fx.kind,
            "name": fx.name,
            "seed": str(SEED_BASE + index),
            "dtype": "float32",
            "producer": SCRIPT_NAME,
        }
        path = out_dir / fx.file
        digest = write_safetensors(path, tensors, metadata, into=files)
        fixtures_meta.append({
            "file": fx.file,
            "sha256": digest,
            "kind": fx.kind,
            "name": fx.name,
            "seed": SEED_BASE + index,
            "description": fx.description,
            "config": fx.config,
            "tensors": {name: list(tensors[name].shape) for name in sorted(tensors)},
        })
        if not quiet:
            print(f"staged {fx.file} ({len(tensors)} tensors)")
    manifest = {
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "dtype": "float32",
        "seed_base": SEED_BASE,
        "num_threads": 1,
        "deterministic_algorithms": hasattr(torch, "use_deterministic_algorithms"),
        "script": SCRIPT_NAME,
        "script_sha256": sha256_file(SCRIPT_PATH),
        "tolerance": tolerance_record(),
        "naming": {
            "input.<arg>": "forward() argument",
            "param.<state_dict key>": "parameter or persistent buffer before the forward pass",
            "output.<name>": "forward result (training-mode layers: also updated buffers)",
            "cotangent.<output>": "N(0,1) upstream gradient; layer loss = sum over outputs of sum(output * cotangent)",
            "grad.input.<arg>": "gradient of the loss with respect to a float input",
            "grad.param.<key>": "gradient of the loss with respect to a parameter",
        },
        "fixtures": fixtures_meta,
        "parameter_counts": parameter_counts(),
    }
    files.add(out_dir / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8"))
    files.commit()
    if not quiet:
        print(f"wrote {len(fixtures_meta)} fixtures and {MANIFEST}")
    # remove stale files from an earlier fixture list, only inside the directories we own
    produced = {fx.file for fx in FIXTURES if fx.build is not None}
    for sub in OWNED_SUBDIRS:
        for stale in sorted((out_dir / sub).glob("*.safetensors")):
            rel = stale.relative_to(out_dir).as_posix()
            if rel not in produced:
                stale.unlink()
                if not quiet:
                    print(f"removed stale {rel}")
    return manifest


def owned_files(root: Path) -> List[str]:
    files = [p.relative_to(root).as_posix() for sub in OWNED_SUBDIRS for p in (root / sub).glob("*.safetensors")]
    if (root / MANIFEST).exists():
        files.append(MANIFEST)
    return sorted(files)


def report_sizes(root: Path) -> bool:
    total = 0
    ok = True
    print("sizes:")
    for rel in owned_files(root):
        size = (root / rel).stat().st_size
        total += size
        flag = "" if size <= MAX_FILE_BYTES else f"  OVER the {MAX_FILE_BYTES}-byte limit"
        ok = ok and not flag
        print(f"  {size:>9,d}  {rel}{flag}")
    flag = "" if total <= MAX_TOTAL_BYTES else f"  OVER the {MAX_TOTAL_BYTES}-byte limit"
    print(f"  {total:>9,d}  total{flag}")
    return ok and not flag


# =============================================================================================
# Check
# =============================================================================================


def compare_tensor(label: str, a: Tensor, b: Tensor) -> Tuple[Optional[str], float]:
    """None if a (fresh) matches b (stored); else a one-line description. Also max |a-b|."""
    if a.dtype != b.dtype:
        return f"{label}: dtype {a.dtype} != stored {b.dtype}", math.inf
    if a.shape != b.shape:
        return f"{label}: shape {list(a.shape)} != stored {list(b.shape)}", math.inf
    if a.numel() == 0:
        return None, 0.0
    if not a.is_floating_point():
        bad = a != b
        if bad.any():
            i = int(bad.reshape(-1).nonzero()[0])
            return (f"{label}: {int(bad.sum())} of {a.numel()} integers differ; first at flat index {i}: "
                    f"{int(a.reshape(-1)[i])} != stored {int(b.reshape(-1)[i])}"), math.inf
        return None, 0.0
    a64, b64 = a.double(), b.double()
    close = torch.isclose(a64, b64, rtol=RTOL, atol=ATOL, equal_nan=True)  # |a-b| <= atol + rtol|b|
    finite = torch.isfinite(a64) & torch.isfinite(b64)
    diff = torch.where(finite, (a64 - b64).abs(), torch.zeros_like(a64))
    max_diff = float(diff.max()) if bool(close.all()) else math.inf
    if bool(close.all()):
        return None, max_diff
    bad = (~close).reshape(-1)
    i = int(bad.nonzero()[0])
    where, rest = [], i
    for size in reversed(a.shape):  # flat index -> multi-index
        where.insert(0, rest % size)
        rest //= size
    return (f"{label}: {int(bad.sum())} of {a.numel()} values outside |a-b| <= {ATOL:g} + {RTOL:g}|b|; "
            f"max |a-b| = {float(diff.max()):.3e}; first at {where}: {float(a.reshape(-1)[i])!r} "
            f"!= stored {float(b.reshape(-1)[i])!r}"), max_diff


def check(stored_dir: Path) -> int:
    stored_dir = Path(stored_dir)
    problems: List[str] = []
    notes: List[str] = []
    n_tensors = n_values = 0
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="export-fixtures-check-") as tmp:
        fresh_dir = Path(tmp)
        fresh_manifest = export_all(fresh_dir, quiet=True)
        fresh_files, stored_files = set(owned_files(fresh_dir)), set(owned_files(stored_dir))
        for rel in sorted(fresh_files - stored_files):
            problems.append(f"MISSING {rel}: exported now but not in {stored_dir}")
        for rel in sorted(stored_files - fresh_files):
            problems.append(f"EXTRA {rel}: in {stored_dir} but not produced by this script")
        for rel in sorted(fresh_files & stored_files):
            if rel == MANIFEST:
                continue
            fresh, fresh_meta = read_safetensors(fresh_dir / rel)
            try:
                stored, stored_meta = read_safetensors(stored_dir / rel)
            except (ValueError, KeyError, json.JSONDecodeError, struct.error) as e:
                problems.append(f"DIFF {rel}: unreadable: {e}")
                continue
            for name in sorted(set(fresh) - set(stored)):
                problems.append(f"DIFF {rel} {name}: tensor missing from the stored file")
            for name in sorted(set(stored) - set(fresh)):
                problems.append(f"DIFF {rel} {name}: extra tensor in the stored file")
            for name in sorted(set(fresh) & set(stored)):
                msg, d = compare_tensor(f"DIFF {rel} {name}", fresh[name], stored[name])
                n_tensors += 1
                n_values += fresh[name].numel()
                if msg:
                    problems.append(msg)
                else:
                    worst = max(worst, d)
            for key in sorted(set(fresh_meta) | set(stored_meta)):
                if fresh_meta.get(key) != stored_meta.get(key):
                    problems.append(f"DIFF {rel} __metadata__.{key}: {fresh_meta.get(key)!r} "
                                    f"!= stored {stored_meta.get(key)!r}")
        if MANIFEST in stored_files:
            stored_manifest = json.loads((stored_dir / MANIFEST).read_text(encoding="utf-8"))
            for key in ("dtype", "seed_base", "tolerance", "parameter_counts"):
                if fresh_manifest.get(key) != stored_manifest.get(key):
                    problems.append(f"DIFF {MANIFEST} {key}: {fresh_manifest.get(key)!r} "
                                    f"!= stored {stored_manifest.get(key)!r}")
            strip = lambda fs: [{k: v for k, v in f.items() if k != "sha256"} for f in fs]  # noqa: E731
            if strip(fresh_manifest["fixtures"]) != strip(stored_manifest.get("fixtures", [])):
                problems.append(f"DIFF {MANIFEST} fixtures: file list, configs or tensor shapes differ")
            # informational only: these change without the tensors changing
            for key in ("torch_version", "python_version", "script_sha256"):
                if fresh_manifest.get(key) != stored_manifest.get(key):
                    notes.append(f"note: {MANIFEST} {key} is {stored_manifest.get(key)!r}, "
                                 f"now {fresh_manifest.get(key)!r}")
            # the manifest must describe the files beside it (a hand edit would break this)
            for entry in stored_manifest.get("fixtures", []):
                rel = entry.get("file", "")
                if rel in stored_files and entry.get("sha256") != sha256_file(stored_dir / rel):
                    problems.append(f"DIFF {MANIFEST} {rel}: recorded sha256 does not match the stored file")
        common = sorted((fresh_files & stored_files) - {MANIFEST})
        same_bytes = sum(1 for rel in common if sha256_file(fresh_dir / rel) == sha256_file(stored_dir / rel))
        notes.append(f"note: {same_bytes} of {len(common)} fixture files are byte-identical to the fresh export")
    for line in notes:
        print(line)
    for line in problems:
        print(line)
    if problems:
        print(f"check FAILED: {len(problems)} difference(s) against {stored_dir}")
        return 1
    print(f"check OK: {len(fresh_files)} files, {n_tensors} tensors, {n_values} values match {stored_dir} "
          f"(|a-b| <= {ATOL:g} + {RTOL:g}|b|, integers exact; max |a-b| = {worst:.3e})")
    return 0


# =============================================================================================
# Self-test of the file format (no fixtures written)
# =============================================================================================


def owned_flat_files(root: Path, manifest: str = "manifest.json") -> List[str]:
    """The .safetensors files of a flat fixture folder (fixtures/peft, fixtures/optim) and its manifest."""
    files = sorted(p.name for p in Path(root).glob("*.safetensors"))
    if (Path(root) / manifest).exists():
        files.append(manifest)
    return files


def check_flat(stored_dir: Path, export_all, label: str, manifest: str = "manifest.json") -> int:
    """--check for a flat fixture folder: export into a temporary folder with `export_all(dir, quiet)` and
    compare every file, tensor, metadata entry and the manifest's fixture list with `stored_dir`."""
    MANIFEST = manifest
    problems: List[str] = []
    n_tensors = 0
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix=f"export-{label}-check-") as tmp:
        fresh_dir = Path(tmp)
        fresh_manifest = export_all(fresh_dir, quiet=True)
        fresh, stored = set(owned_flat_files(fresh_dir, manifest)), set(owned_flat_files(stored_dir, manifest))
        problems += [f"MISSING {f}: exported now but not in {stored_dir}" for f in sorted(fresh - stored)]
        problems += [f"EXTRA {f}: in {stored_dir} but not produced by this script" for f in sorted(stored - fresh)]
        for rel in sorted((fresh & stored) - {MANIFEST}):
            a, a_meta = read_safetensors(fresh_dir / rel)
            try:
                b, b_meta = read_safetensors(stored_dir / rel)
            except (ValueError, KeyError, json.JSONDecodeError) as e:
                problems.append(f"DIFF {rel}: unreadable: {e}")
                continue
            problems += [f"DIFF {rel} {n}: tensor missing from the stored file" for n in sorted(set(a) - set(b))]
            problems += [f"DIFF {rel} {n}: extra tensor in the stored file" for n in sorted(set(b) - set(a))]
            for n in sorted(set(a) & set(b)):
                msg, d = compare_tensor(f"DIFF {rel} {n}", a[n], b[n])
                n_tensors += 1
                if msg:
                    problems.append(msg)
                else:
                    worst = max(worst, d)
            for key in sorted(set(a_meta) | set(b_meta)):
                if a_meta.get(key) != b_meta.get(key):
                    problems.append(f"DIFF {rel} __metadata__.{key}: {a_meta.get(key)!r} != stored {b_meta.get(key)!r}")
        if MANIFEST in stored:
            stored_manifest = json.loads((stored_dir / MANIFEST).read_text(encoding="utf-8"))
            strip = lambda fs: [{k: v for k, v in f.items() if k != "sha256"} for f in fs]  # noqa: E731
            if strip(fresh_manifest["fixtures"]) != strip(stored_manifest.get("fixtures", [])):
                problems.append(f"DIFF {MANIFEST} fixtures: file list, configs or tensor shapes differ")
            for entry in stored_manifest.get("fixtures", []):
                rel = entry.get("file", "")
                if rel in stored and entry.get("sha256") != sha256_file(stored_dir / rel):
                    problems.append(f"DIFF {MANIFEST} {rel}: recorded sha256 does not match the stored file")
    for line in problems:
        print(line)
    if problems:
        print(f"check FAILED: {len(problems)} difference(s) against {stored_dir}")
        return 1
    print(f"check OK: {len(fresh)} files, {n_tensors} tensors match {stored_dir} "
          f"(|a-b| <= {ATOL:g} + {RTOL:g}|b|; max |a-b| = {worst:.3e})")
    return 0



def commit_flat(files, out_dir: Path, manifest_name: str, manifest: dict, produced: set, quiet: bool) -> None:
    """Finish a flat fixture script's export (export-peft-, export-optim-, export-llm-fixtures.py): add
    the manifest to the FileSet, rename every file into place (all new or all old), then delete the
    *.safetensors in `out_dir` that the export no longer produces."""
    files.add(out_dir / manifest_name, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    files.commit()
    for stale in sorted(out_dir.glob("*.safetensors")):
        if stale.name not in produced:
            stale.unlink()
            if not quiet:
                print(f"removed stale {stale.name}")


def flat_main(argv, description: str, default_dir: Path, export_all, label: str, manifest_name: str = "manifest.json") -> int:
    """Command line of a flat fixture script (export-peft-fixtures.py, export-optim-fixtures.py):
    --out DIR (default `default_dir`) writes the fixtures and the manifest; --check DIR exports into a
    temporary folder and compares (exit 1 on any difference)."""
    parser = argparse.ArgumentParser(description=description)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--out", type=Path, default=None, help=f"write into DIR (default: <repo>/{default_dir.relative_to(REPO_ROOT)})")
    mode.add_argument("--check", type=Path, default=None, metavar="DIR",
                      help="export into a temporary directory and compare with DIR; exit 1 on any difference")
    args = parser.parse_args(argv)
    setup_torch()
    started = time.perf_counter()
    if args.check is not None:
        if not args.check.is_dir():
            print(f"--check: {args.check} is not a directory")
            return 1
        code = check_flat(args.check, export_all, label, manifest_name)
        print(f"time: {time.perf_counter() - started:.2f} s")
        return code
    manifest = export_all(args.out if args.out is not None else default_dir)
    print(f"wrote {manifest_name}; torch {manifest['torch_version']}, python {manifest['python_version']}")
    print(f"time: {time.perf_counter() - started:.2f} s")
    return 0

def self_test() -> int:
    torch.manual_seed(0)
    sample = {
        "b.float": torch.randn(3, 5),
        "a.scalar": torch.tensor(2.5),
        "c.int": torch.tensor([[-100, 3], [7, 2**40]], dtype=torch.int64),
        "d.noncontiguous": torch.randn(4, 6).t(),
    }
    for t in sample.values():
        if _np is not None and tensor_bytes(t, use_numpy=True) != tensor_bytes(t, use_numpy=False):
            print("self-test FAILED: numpy and struct encodings differ")
            return 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.safetensors"
        write_safetensors(path, sample, {"k": "v"})
        raw = path.read_bytes()
        (n,) = struct.unpack("<Q", raw[:8])
        assert n % 8 == 0 and raw[8:9] == b"{", "header must be 8-aligned and start with '{'"
        back, meta = read_safetensors(path)
        assert meta == {"k": "v"}
        for k, t in sample.items():
            assert back[k].dtype == t.dtype and back[k].shape == t.shape and torch.equal(back[k], t), k
    print(f"self-test OK (numpy {'available' if _np is not None else 'absent'})")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Export or check the PyTorch parity fixtures.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--out", type=Path, default=None,
                      help="write every fixture and manifest.json into DIR (default: <repo>/fixtures)")
    mode.add_argument("--check", type=Path, default=None, metavar="DIR",
                      help="export into a temporary directory and compare with DIR; exit 1 on any difference")
    mode.add_argument("--self-test", action="store_true", help="round-trip the safetensors writer/reader")
    args = parser.parse_args(argv)

    setup_torch()
    if args.self_test:
        return self_test()
    started = time.perf_counter()
    if args.check is not None:
        if not args.check.is_dir():
            print(f"--check: {args.check} is not a directory")
            return 1
        code = check(args.check)
        print(f"time: {time.perf_counter() - started:.2f} s")
        return code
    out_dir = args.out if args.out is not None else REPO_ROOT / "fixtures"
    manifest = export_all(out_dir)
    print(f"wrote {MANIFEST}; torch {manifest['torch_version']}, python {manifest['python_version']}")
    print("parameter counts: " + ", ".join(f"{k}={v:,d}" for k, v in manifest["parameter_counts"].items()))
    ok = report_sizes(out_dir)
    print(f"time: {time.perf_counter() - started:.2f} s")
    if not ok:
        print("size limit exceeded")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
