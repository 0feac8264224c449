#!/usr/bin/env python3
"""Export PyTorch fixtures for the layers of today's decoder LLMs (issue 15): RoPE in both named
pairings with partial rotation, explicit position ids and base theta; SiLU and tanh; the gated
feed-forward networks SwiGLU (LLaMA, Mistral, Qwen2) and GeGLU; LayerNorm and RMSNorm over several
trailing axes.

Run with Debian's interpreter, which is the one that has torch:

    /usr/bin/python3 scripts/export-llm-fixtures.py --out fixtures/llm     # write fixtures/llm/
    /usr/bin/python3 scripts/export-llm-fixtures.py --check fixtures/llm   # re-export and compare

Conventions (tensor names, float32, one thread, deterministic, tolerance) are those of
scripts/export-fixtures.py, whose safetensors writer, fixture runner and comparison this script
imports. It owns fixtures/llm (its *.safetensors and manifest.json) and nothing else, so the
fixtures of scripts/export-fixtures.py keep their bytes. Never edit the files by hand.

torch 1.13 has no Hugging Face modules, so each module below is written from its formula, with the
Hugging Face state_dict names (gate_proj, up_proj, down_proj; weight) and the convention named in
its docstring. Angles for RoPE are formed in float64 (as the project's implementations form them)
and rounded once to float32; Hugging Face forms p * inv_freq in float32, which differs by at most
about p * 2^-24 rad (< 1e-5 rad at the positions used here).
"""

from __future__ import annotations

import importlib
import json
import math
import platform
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
SCRIPT_NAME = "scripts/export-llm-fixtures.py"
MANIFEST = "manifest.json"
LABEL = "llm"
# base.run_fixture seeds torch with base.SEED_BASE + index; an offset keeps these seeds apart from
# those of scripts/export-fixtures.py (1234 + index): seeds 6234 + index here.
INDEX_OFFSET = 5000

sys.path.insert(0, str(SCRIPT_PATH.parent))
base = importlib.import_module("export-fixtures")
Fixture = base.Fixture
BATCH = base.BATCH


# =============================================================================================
# Modules
# =============================================================================================


def rope_angles(positions: Sequence[int], rotary_dim: int, theta: float):
    r"""cos and sin of p * theta_i, theta_i = base^{-2i/r}, i < r/2: (T, r/2) each, float64 -> float32."""
    inv_freq = torch.tensor([1.0 / math.pow(theta, (2 * i) / rotary_dim) for i in range(rotary_dim // 2)], dtype=torch.float64)
    angles = torch.tensor(list(positions), dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, r/2)
    return torch.cos(angles).float(), torch.sin(angles).float()


class RotaryHalf(nn.Module):
    r"""RoPE with split halves: GPT-NeoX, and Hugging Face LLaMA's rotate_half / apply_rotary_pos_emb.

    x_rot = x[..., :r], x_pass = x[..., r:];  cos, sin = cat(c, c), cat(s, s)  (T, r)
    y = cat(x_rot * cos + rotate_half(x_rot) * sin, x_pass),  rotate_half(u) = cat(-u2, u1)
    No parameters; position ids and base are constructor arguments (fixture config)."""

    def __init__(self, rotary_dim: int, positions: Sequence[int], theta: float):
        super().__init__()
        self.rotary_dim = rotary_dim
        c, s = rope_angles(positions, rotary_dim, theta)
        self.cos, self.sin = torch.cat([c, c], -1), torch.cat([s, s], -1)  # (T, r): HF's table layout

    @staticmethod
    def rotate_half(u: Tensor) -> Tensor:
        u1, u2 = u[..., : u.shape[-1] // 2], u[..., u.shape[-1] // 2 :]
        return torch.cat([-u2, u1], dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        r = self.rotary_dim
        x_rot, x_pass = x[..., :r], x[..., r:]  # (..., T, r), (..., T, d - r)
        return torch.cat([x_rot * self.cos + self.rotate_half(x_rot) * self.sin, x_pass], dim=-1)


class RotaryInterleaved(nn.Module):
    r"""RoPE with interleaved pairs (2i, 2i+1): RoFormer, GPT-J's rotate_every_two.

    cos, sin = repeat_interleave(c, 2), repeat_interleave(s, 2)  (T, r)
    y = cat(x_rot * cos + rotate_every_two(x_rot) * sin, x_pass),
    rotate_every_two(u) = stack(-u[..., 1::2], u[..., ::2]).flatten(-2)"""

    def __init__(self, rotary_dim: int, positions: Sequence[int], theta: float):
        super().__init__()
        self.rotary_dim = rotary_dim
        c, s = rope_angles(positions, rotary_dim, theta)
        self.cos, self.sin = c.repeat_interleave(2, -1), s.repeat_interleave(2, -1)  # (T, r)

    @staticmethod
    def rotate_every_two(u: Tensor) -> Tensor:
        return torch.stack([-u[..., 1::2], u[..., ::2]], dim=-1).flatten(-2)

    def forward(self, x: Tensor) -> Tensor:
        r = self.rotary_dim
        x_rot, x_pass = x[..., :r], x[..., r:]
        return torch.cat([x_rot * self.cos + self.rotate_every_two(x_rot) * self.sin, x_pass], dim=-1)


class GatedMLP(nn.Module):
    r"""Gated feed-forward network with Hugging Face LlamaMLP's names (Shazeer 2020, "GLU Variants"):

    y = down_proj( act(gate_proj(x)) * up_proj(x) ),  no biases
    act = SiLU: SwiGLU (LLaMA, Mistral, Qwen2); act = GELU: GeGLU (exact erf GELU, Shazeer;
    Gemma uses the tanh approximation, gelu_pytorch_tanh)."""

    def __init__(self, d_model: int, d_ff: int, act: nn.Module):
        super().__init__()
        self.gate_proj = nn.Linear(d_model, d_ff, bias=False)
        self.up_proj = nn.Linear(d_model, d_ff, bias=False)
        self.down_proj = nn.Linear(d_ff, d_model, bias=False)
        self.act_fn = act

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))  # (B, T, d_ff) -> (B, T, d)


class RMSNormND(base.RMSNorm):
    r"""RMSNorm over the trailing len(normalized_shape) axes, eps under the root (Hugging Face
    LlamaRMSNorm's formula, generalised as nn.LayerNorm generalises to a shape):

    y = x / sqrt(mean(x^2 over the trailing axes) + eps) * weight,  weight of shape normalized_shape"""

    def __init__(self, normalized_shape: Sequence[int], eps: float):
        nn.Module.__init__(self)
        self.eps = eps
        self.dims = tuple(range(-len(normalized_shape), 0))
        self.weight = nn.Parameter(torch.ones(*normalized_shape))

    def forward(self, x: Tensor) -> Tensor:
        rms = torch.sqrt(x.pow(2).mean(dim=self.dims, keepdim=True) + self.eps)
        return x / rms * self.weight


class LlamaAttention(nn.Module):
    r"""Causal self-attention with grouped-query heads and split-half RoPE, Hugging Face LlamaAttention's
    names and layout: q_proj (n_heads * head_dim x d), k_proj, v_proj (n_kv_heads * head_dim x d),
    o_proj (d x n_heads * head_dim), no biases. Query head h uses key/value head h // (n_heads / n_kv_heads)
    (repeat_kv: each key/value head repeated for its group).

    \mathrm{head}_h = \mathrm{softmax}(\mathrm{RoPE}(q_h) \mathrm{RoPE}(k_{g(h)})^\top / \sqrt{d_h} + \mathrm{causal})\, v_{g(h)}"""

    def __init__(self, d: int, n_heads: int, n_kv_heads: int, theta: float):
        super().__init__()
        self.n_heads, self.n_kv, self.hd, self.theta = n_heads, n_kv_heads, d // n_heads, theta
        self.q_proj = nn.Linear(d, n_heads * self.hd, bias=False)
        self.k_proj = nn.Linear(d, n_kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(d, n_kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(n_heads * self.hd, d, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.hd).transpose(1, 2)  # (B, H, T, hd)
        k = self.k_proj(x).view(b, t, self.n_kv, self.hd).transpose(1, 2)     # (B, KV, T, hd)
        v = self.v_proj(x).view(b, t, self.n_kv, self.hd).transpose(1, 2)     # (B, KV, T, hd)
        rope = RotaryHalf(self.hd, list(range(t)), self.theta)
        q, k = rope(q), rope(k)
        rep = self.n_heads // self.n_kv
        k = k[:, :, None].expand(b, self.n_kv, rep, t, self.hd).reshape(b, self.n_heads, t, self.hd)  # repeat_kv: (B, H, T, hd)
        v = v[:, :, None].expand(b, self.n_kv, rep, t, self.hd).reshape(b, self.n_heads, t, self.hd)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.hd)  # (B, H, T, T)
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        weights = F.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(b, t, self.n_heads * self.hd)  # (B, T, H * hd)
        return self.o_proj(out)


class LlamaDecoderLayer(nn.Module):
    r"""Pre-norm block: h = x + attn(RMSNorm(x)); y = h + SwiGLU(RMSNorm(h)) (input_layernorm, post_attention_layernorm)."""

    def __init__(self, d: int, d_ff: int, n_heads: int, n_kv_heads: int, theta: float, eps: float):
        super().__init__()
        self.self_attn = LlamaAttention(d, n_heads, n_kv_heads, theta)
        self.mlp = GatedMLP(d, d_ff, nn.SiLU())
        self.input_layernorm = base.RMSNorm(d, eps)
        self.post_attention_layernorm = base.RMSNorm(d, eps)

    def forward(self, x: Tensor) -> Tensor:
        h = x + self.self_attn(self.input_layernorm(x))
        return h + self.mlp(self.post_attention_layernorm(h))


class LlamaInner(nn.Module):
    def __init__(self, cfg: Dict[str, object]):
        super().__init__()
        d = int(cfg["hidden_size"])
        self.embed_tokens = nn.Embedding(int(cfg["vocab_size"]), d)
        self.layers = nn.ModuleList(LlamaDecoderLayer(d, int(cfg["intermediate_size"]), int(cfg["num_attention_heads"]),
                                                      int(cfg["num_key_value_heads"]), float(cfg["rope_theta"]), float(cfg["rms_norm_eps"]))
                                    for _ in range(int(cfg["num_hidden_layers"])))
        self.norm = base.RMSNorm(d, float(cfg["rms_norm_eps"]))


class TinyLlama(nn.Module):
    r"""A tiny LlamaForCausalLM, written from its formulas with its state_dict names
    (model.embed_tokens, model.layers.<i>.self_attn.{q,k,v,o}_proj, model.layers.<i>.mlp.{gate,up,down}_proj,
    model.layers.<i>.{input,post_attention}_layernorm, model.norm, lm_head; untied head, no biases).

    Loss convention: `targets` are the next tokens, aligned with the positions (as TinyGPT's), and the loss is
    the mean cross-entropy over every position. (Hugging Face's `labels` are the inputs themselves and the model
    shifts them by one inside: labels[1:] scored against logits[:-1].)"""

    def __init__(self, cfg: Dict[str, object]):
        super().__init__()
        self.model = LlamaInner(cfg)
        self.lm_head = nn.Linear(int(cfg["hidden_size"]), int(cfg["vocab_size"]), bias=False)

    def forward(self, idx: Tensor, targets: Optional[Tensor] = None):
        x = self.model.embed_tokens(idx)  # (B, T, d)
        for layer in self.model.layers:
            x = layer(x)
        logits = self.lm_head(self.model.norm(x))  # (B, T, V)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


TINYLLAMA = dict(model_type="llama", vocab_size=32, hidden_size=16, intermediate_size=40, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                 max_position_embeddings=16, tie_word_embeddings=False, hidden_act="silu")


# =============================================================================================
# Fixture table (append only: a fixture's seed is its index)
# =============================================================================================

ROPE_HALF = dict(rotary_dim=4, positions=[5, 0, 17, 3, 1000], theta=500000.0)
ROPE_INTERLEAVED = dict(rotary_dim=6, positions=[0, 1, 2, 9, 4], theta=10000.0)

FIXTURES: List[Fixture] = [
    Fixture(
        "layer", "rope-half-partial",
        "RoPE split halves (GPT-NeoX / HF rotate_half), rotary_dim 4 of head_dim 8, position ids [5,0,17,3,1000], "
        "theta 500000 (LLaMA 3), on x [2,2,5,8] (B, heads, T, head_dim)",
        {"module": "RotaryHalf", "pairing": "half", "convention": "rotate_half", "head_dim": 8, **ROPE_HALF},
        lambda: RotaryHalf(**ROPE_HALF),
        lambda: {"x": base._randn(BATCH, 2, 5, 8)},
    ),
    Fixture(
        "layer", "rope-interleaved-partial",
        "RoPE interleaved pairs (GPT-J rotate_every_two), rotary_dim 6 of head_dim 10, position ids [0,1,2,9,4], "
        "theta 10000, on x [2,5,10]",
        {"module": "RotaryInterleaved", "pairing": "interleaved", "convention": "rotate_every_two", "head_dim": 10, **ROPE_INTERLEAVED},
        lambda: RotaryInterleaved(**ROPE_INTERLEAVED),
        lambda: {"x": base._randn(BATCH, 5, 10)},
    ),
    Fixture(
        "layer", "silu", "nn.SiLU on 64 points: linspace(-8, 8) plus 0.05 N(0,1) noise",
        {"module": "SiLU", "formula": "x * sigmoid(x)", "mode": "eval"},
        lambda: nn.SiLU(),
        lambda: {"x": torch.linspace(-8.0, 8.0, 64) + 0.05 * torch.randn(64)},
    ),
    Fixture(
        "layer", "tanh", "nn.Tanh on 64 points: linspace(-6, 6) plus 0.05 N(0,1) noise",
        {"module": "Tanh", "mode": "eval"},
        lambda: nn.Tanh(),
        lambda: {"x": torch.linspace(-6.0, 6.0, 64) + 0.05 * torch.randn(64)},
    ),
    Fixture(
        "layer", "swiglu", "SwiGLU MLP (HF LlamaMLP names): down_proj(silu(gate_proj(x)) * up_proj(x)), d 8, d_ff 12, no biases, on x [2,4,8]",
        {"module": "GatedMLP", "activation": "silu", "d_model": 8, "d_ff": 12, "bias": False, "mode": "eval"},
        lambda: GatedMLP(8, 12, nn.SiLU()),
        lambda: {"x": base._randn(BATCH, 4, 8)},
    ),
    Fixture(
        "layer", "geglu", "GeGLU MLP (exact erf GELU, Shazeer 2020): down_proj(gelu(gate_proj(x)) * up_proj(x)), d 8, d_ff 12, no biases, on x [2,4,8]",
        {"module": "GatedMLP", "activation": "gelu", "d_model": 8, "d_ff": 12, "bias": False, "mode": "eval"},
        lambda: GatedMLP(8, 12, nn.GELU()),
        lambda: {"x": base._randn(BATCH, 4, 8)},
    ),
    Fixture(
        "layer", "geglu-tanh", "GeGLU MLP with the tanh GELU (Gemma's gelu_pytorch_tanh), d 8, d_ff 12, no biases, on x [2,4,8]",
        {"module": "GatedMLP", "activation": "gelu-tanh", "d_model": 8, "d_ff": 12, "bias": False, "mode": "eval"},
        lambda: GatedMLP(8, 12, nn.GELU(approximate="tanh")),
        lambda: {"x": base._randn(BATCH, 4, 8)},
    ),
    Fixture(
        "layer", "layer-norm-2d", "nn.LayerNorm((3, 4)) over the two trailing axes, eps 1e-12 (BERT's layer_norm_eps), perturbed affine, on x [2,5,3,4]",
        {"module": "LayerNorm", "normalized_shape": [3, 4], "eps": 1e-12, "elementwise_affine": True, "variance": "biased", "mode": "eval"},
        lambda: nn.LayerNorm((3, 4), eps=1e-12),
        lambda: {"x": base._randn(BATCH, 5, 3, 4, scale=1.5, shift=0.3)},
    ),
    Fixture(
        "layer", "rms-norm-2d", "RMSNorm over the two trailing axes (3, 4), eps 1e-5 (LLaMA 2's rms_norm_eps), perturbed weight, on x [2,5,3,4]",
        {"module": "RMSNorm", "normalized_shape": [3, 4], "eps": 1e-5, "bias": False,
         "formula": "x / sqrt(mean(x^2 over trailing axes) + eps) * weight", "mode": "eval"},
        lambda: RMSNormND((3, 4), eps=1e-5),
        lambda: {"x": base._randn(BATCH, 5, 3, 4, scale=1.5, shift=0.3)},
    ),
    Fixture(
        "model", "tinyllama",
        "TinyLlama (LlamaForCausalLM names): vocab 32, d 16, 2 layers, 4 query heads sharing 2 key/value heads (head 4), "
        "SwiGLU 40, RMSNorm eps 1e-6, split-half RoPE theta 10000, untied head; idx/targets [2,8]; mean cross-entropy, targets aligned",
        {"module": "TinyLlama", **TINYLLAMA, "rope": "half (rotate_half)", "loss": "cross_entropy mean, targets aligned (not shifted)", "mode": "eval"},
        lambda: TinyLlama(TINYLLAMA),
        lambda: {"idx": torch.randint(0, 32, (2, 8)), "targets": torch.randint(0, 32, (2, 8))},
    ),
]


# =============================================================================================
# Export
# =============================================================================================


def export_all(out_dir: Path, quiet: bool = False) -> Dict[str, object]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with base.FileSet() as files:  # every fixture and the manifest: all new or all old
        return _export_into(files, out_dir, quiet)


def _export_into(files, out_dir: Path, quiet: bool) -> Dict[str, object]:
    entries = []
    for index, fx in enumerate(FIXTURES):
        seed = base.SEED_BASE + INDEX_OFFSET + index
        tensors = base.run_fixture(INDEX_OFFSET + index, fx)
        metadata = {"config": json.dumps(fx.config, sort_keys=True, separators=(",", ":")), "description": fx.description,
                    "kind": fx.kind, "name": fx.name, "seed": str(seed), "dtype": "float32", "producer": SCRIPT_NAME}
        rel = f"{fx.name}.safetensors"
        digest = base.write_safetensors(out_dir / rel, tensors, metadata, into=files)
        entries.append({"file": rel, "sha256": digest, "kind": fx.kind, "name": fx.name, "seed": seed, "description": fx.description,
                        "config": fx.config, "tensors": {n: list(tensors[n].shape) for n in sorted(tensors)}})
        if not quiet:
            print(f"staged {rel} ({len(tensors)} tensors)")
    manifest = {
        "torch_version": torch.__version__, "python_version": platform.python_version(), "dtype": "float32",
        "seed_base": base.SEED_BASE + INDEX_OFFSET, "num_threads": 1, "script": SCRIPT_NAME,
        "script_sha256": base.sha256_file(SCRIPT_PATH), "tolerance": base.tolerance_record(),
        "naming": {
            "input.<arg>": "forward() argument",
            "param.<state_dict key>": "parameter (Hugging Face names: gate_proj, up_proj, down_proj, weight, bias)",
            "output.<name>": "forward result",
            "cotangent.<output>": "N(0,1) upstream gradient; loss = sum(output * cotangent)",
            "grad.input.<arg>": "gradient with respect to a float input",
            "grad.param.<key>": "gradient with respect to a parameter",
        },
        "fixtures": entries,
    }
    base.commit_flat(files, out_dir, MANIFEST, manifest, {f"{fx.name}.safetensors" for fx in FIXTURES}, quiet)
    return manifest


def main(argv: Optional[List[str]] = None) -> int:
    return base.flat_main(argv, "Export or check the PyTorch fixtures of the LLM layers (issue 15).", REPO_ROOT / "fixtures" / "llm", export_all, LABEL, MANIFEST)


if __name__ == "__main__":
    sys.exit(main())
