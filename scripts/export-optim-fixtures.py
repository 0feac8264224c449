#!/usr/bin/env python3
"""Export PyTorch optimiser fixtures for transformer-spec: torch.optim.AdamW steps, with and without
gradient clipping (torch.nn.utils.clip_grad_norm_) and a warm-up + cosine LambdaLR schedule.

Run with Debian's interpreter, which is the one that has torch:

    /usr/bin/python3 scripts/export-optim-fixtures.py --out fixtures/optim     # write fixtures/optim/
    /usr/bin/python3 scripts/export-optim-fixtures.py --check fixtures/optim   # re-export and compare

Conventions are those of scripts/export-fixtures.py, whose safetensors writer/reader, tolerance
(|a - b| <= 1e-6 + 1e-5 |b|), comparison and torch set-up (one thread, deterministic, float32) this
script imports rather than copies. That script owns fixtures/layers, fixtures/models and
fixtures/manifest.json; this one owns fixtures/optim (its *.safetensors and its manifest.json) and
nothing else. Never edit the files by hand.

Each fixture is one .safetensors file describing K optimiser steps on a few float32 tensors:

    param.<name>               the parameter before the first step
    input.grad.step<k>.<name>  the gradient handed to step k (k = 1..K), before any clipping
    output.step<k>.<name>      the parameter after step k
    output.exp_avg.<name>      AdamW's first moment after step K
    output.exp_avg_sq.<name>   AdamW's second moment after step K
    output.lr                  [K] the learning rate step k used (after the scheduler, if any)
    output.total_norm          [K] clip_grad_norm_'s return value at step k (clipping fixtures only)

__metadata__.config is a JSON string with the hyperparameters; the manifest lists every file with
its sha256, config and tensor shapes.
"""

from __future__ import annotations

import importlib
import json
import math
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import torch

Tensor = torch.Tensor

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
SCRIPT_NAME = "scripts/export-optim-fixtures.py"
MANIFEST = "manifest.json"
LABEL = "optim"
SEED_BASE = 4321


# scripts/export-fixtures.py as a module (a hyphenated file name: import_module, not `import`).
sys.path.insert(0, str(SCRIPT_PATH.parent))
base = importlib.import_module("export-fixtures")


def warmup_cosine(k: int, warmup: int, total: int, min_ratio: float = 0.0) -> float:
    """Multiplier of the peak lr for the k-th step (k = 0, 1, ...): linear warm-up from 0, then a
    half cosine down to min_ratio, flat after `total` (the convention of src/reference/lr-schedule.ts)."""
    if k < warmup:
        return k / warmup
    progress = min(1.0, (k - warmup) / (total - warmup))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass
class OptimFixture:
    name: str
    description: str
    steps: int
    lr: float
    betas: tuple
    eps: float
    weight_decay: float
    shapes: Dict[str, List[int]]
    grad_scale: List[float]                      # per step: gradients are N(0,1) times this
    clip: Optional[float] = None                 # max_norm for clip_grad_norm_
    schedule: Optional[Dict[str, float]] = None  # {"warmup": W, "total": K}
    zero_rows: Dict[str, int] = field(default_factory=dict)  # name -> a row whose gradient is always 0

    @property
    def file(self) -> str:
        return f"{self.name}.safetensors"

    def config(self) -> Dict[str, object]:
        c: Dict[str, object] = {
            "optimizer": "torch.optim.AdamW", "lr": self.lr, "betas": list(self.betas), "eps": self.eps,
            "weight_decay": self.weight_decay, "amsgrad": False, "steps": self.steps,
            "grad_scale": self.grad_scale, "shapes": self.shapes,
        }
        if self.clip is not None:
            c["clip_grad_norm"] = {"max_norm": self.clip, "norm_type": 2.0}
        if self.schedule is not None:
            c["schedule"] = {"kind": "warmup-cosine (LambdaLR)", "peak_lr": self.lr, **self.schedule, "min_lr": 0.0}
        if self.zero_rows:
            c["zero_gradient_rows"] = self.zero_rows
        return c


SHAPES = {"w": [4, 3], "b": [5]}

FIXTURES: List[OptimFixture] = [
    OptimFixture("adamw-defaults", "AdamW with PyTorch's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, "
                 "weight decay 1e-2), 5 steps of N(0,1) gradients",
                 5, 1e-3, (0.9, 0.999), 1e-8, 1e-2, SHAPES, [1.0] * 5),
    OptimFixture("adamw-strong-decay", "AdamW lr 0.05, betas 0.8/0.95, eps 1e-6, weight decay 0.3, 6 steps; "
                 "row 1 of w never gets a gradient (decay alone moves it); gradient scales vary per step",
                 6, 0.05, (0.8, 0.95), 1e-6, 0.3, SHAPES, [1.0, 0.1, 3.0, 1.0, 0.01, 2.0], zero_rows={"w": 1}),
    OptimFixture("adamw-clip-warmup-cosine", "clip_grad_norm_(max_norm 1) then AdamW (weight decay 0.01) "
                 "under LambdaLR warm-up (2 steps) + cosine to 0 at step 8; peak lr 0.01; 8 steps, "
                 "gradient scales chosen so some steps are clipped and some are not",
                 8, 1e-2, (0.9, 0.999), 1e-8, 1e-2, SHAPES, [3.0, 0.05, 2.0, 0.1, 5.0, 0.2, 1.0, 4.0],
                 clip=1.0, schedule={"warmup": 2, "total": 8}),
]


def run_fixture(index: int, fx: OptimFixture) -> Dict[str, Tensor]:
    torch.manual_seed(SEED_BASE + index)
    params = {name: torch.nn.Parameter(torch.randn(*shape)) for name, shape in fx.shapes.items()}
    out: Dict[str, Tensor] = {f"param.{n}": p.detach().clone() for n, p in params.items()}
    names = list(params)
    opt = torch.optim.AdamW([params[n] for n in names], lr=fx.lr, betas=fx.betas, eps=fx.eps,
                            weight_decay=fx.weight_decay, amsgrad=False)
    sched = None
    if fx.schedule is not None:
        warmup, total = int(fx.schedule["warmup"]), int(fx.schedule["total"])
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: warmup_cosine(k, warmup, total))
    lrs: List[float] = []
    norms: List[float] = []
    for k in range(1, fx.steps + 1):
        for n in names:
            g = fx.grad_scale[k - 1] * torch.randn(*fx.shapes[n])
            if n in fx.zero_rows:
                g[fx.zero_rows[n]] = 0.0
            out[f"input.grad.step{k}.{n}"] = g.clone()
            params[n].grad = g.clone()
        if fx.clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_([params[n] for n in names], fx.clip)))
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        if sched is not None:
            sched.step()
        for n in names:
            out[f"output.step{k}.{n}"] = params[n].detach().clone()
    for n in names:
        state = opt.state[params[n]]
        out[f"output.exp_avg.{n}"] = state["exp_avg"].detach().clone()
        out[f"output.exp_avg_sq.{n}"] = state["exp_avg_sq"].detach().clone()
    out["output.lr"] = torch.tensor(lrs, dtype=torch.float32)
    if fx.clip is not None:
        out["output.total_norm"] = torch.tensor(norms, dtype=torch.float32)
    return out


def export_all(out_dir: Path, quiet: bool = False) -> Dict[str, object]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with base.FileSet() as files:  # every fixture and the manifest: all new or all old
        return _export_into(files, out_dir, quiet)


def _export_into(files, out_dir: Path, quiet: bool) -> Dict[str, object]:
    entries = []
    for index, fx in enumerate(FIXTURES):
        tensors = run_fixture(index, fx)
        metadata = {
            "config": json.dumps(fx.config(), sort_keys=True, separators=(",", ":")),
            "description": fx.description, "kind": "optimizer", "name": fx.name,
            "seed": str(SEED_BASE + index), "dtype": "float32", "producer": SCRIPT_NAME,
        }
        path = out_dir / fx.file
        digest = base.write_safetensors(path, tensors, metadata, into=files)
        entries.append({"file": fx.file, "sha256": digest, "name": fx.name,
                        "seed": SEED_BASE + index, "description": fx.description, "config": fx.config(),
                        "tensors": {n: list(tensors[n].shape) for n in sorted(tensors)}})
        if not quiet:
            print(f"wrote {fx.file} ({len(tensors)} tensors)")
    manifest = {
        "torch_version": torch.__version__, "python_version": platform.python_version(), "dtype": "float32",
        "seed_base": SEED_BASE, "num_threads": 1, "script": SCRIPT_NAME,
        "script_sha256": base.sha256_file(SCRIPT_PATH), "tolerance": base.tolerance_record(),
        "naming": {
            "param.<name>": "parameter before the first step",
            "input.grad.step<k>.<name>": "gradient given to step k, before clipping",
            "output.step<k>.<name>": "parameter after step k",
            "output.exp_avg.<name>": "first moment after the last step",
            "output.exp_avg_sq.<name>": "second moment after the last step",
            "output.lr": "learning rate used by each step",
            "output.total_norm": "clip_grad_norm_ return value (global 2-norm before clipping) at each step",
        },
        "fixtures": entries,
    }
    base.commit_flat(files, out_dir, MANIFEST, manifest, {fx.file for fx in FIXTURES}, quiet)
    return manifest


def main(argv: Optional[List[str]] = None) -> int:
    return base.flat_main(argv, "Export or check the PyTorch optimiser fixtures.", REPO_ROOT / "fixtures" / "optim", export_all, LABEL, MANIFEST)


if __name__ == "__main__":
    sys.exit(main())
