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
    files.add(out_dir / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    files.commit()
    produced = {f"{fx.name}.safetensors" for fx in FIXTURES}
    for stale in sorted(out_dir.glob("*.safetensors")):
        if stale.name not in produced:
            stale.unlink()
            if not quiet:
                print(f"removed stale {stale.name}")
    return manifest


def main(argv: Optional[List[str]] = None) -> int:
    return base.flat_main(argv, "Export or check the PyTorch fixtures of the LLM layers (issue 15).", REPO_ROOT / "fixtures" / "llm", export_all, LABEL, MANIFEST)


if __name__ == "__main__":
    sys.exit(main())
