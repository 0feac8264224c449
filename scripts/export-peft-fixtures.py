#!/usr/bin/env python3
"""Export PyTorch fixtures for transformer-spec's PEFT and alignment code: LoRA-wrapped layers laid
out as PEFT lays them out (nn.Linear and GPT-2's Conv1D), and the alignment losses computed with
PyTorch's own functions.

Run with Debian's interpreter, which is the one that has torch:

    /usr/bin/python3 scripts/export-peft-fixtures.py --out fixtures/peft     # write fixtures/peft/
    /usr/bin/python3 scripts/export-peft-fixtures.py --check fixtures/peft   # re-export and compare

Conventions are those of scripts/export-fixtures.py, whose safetensors writer/reader, tolerance
(|a - b| <= 1e-6 + 1e-5 |b|), comparison and torch set-up (one thread, deterministic, float32) this
script imports rather than copies. This script owns fixtures/peft (its *.safetensors and its
manifest.json) and nothing else. Never edit the files by hand. The peft package is not needed:
the LoRA module below is written out with PEFT's parameter names, initialisation and scaling.

LoRA fixtures (one seeded forward and backward pass, evaluation mode so dropout is the identity):

    param.base_layer.weight       W0: (out x in) for Linear, (in x out) for Conv1D   [frozen]
    param.base_layer.bias         b
    param.lora_A.default.weight   A (r x in), kaiming_uniform(a = sqrt 5) as PEFT initialises it
    param.lora_B.default.weight   B (out x r): PEFT starts it at 0; here N(0, 0.5^2) as after training
    input.x                       (2 x 3 x in)
    output.y                      base(x) + (alpha / r) * lora_B(lora_A(x))
    output.merged_weight          W0 + (alpha / r) * B A   (Conv1D: its transpose added, fan_in_fan_out)
    cotangent.y, grad.input.x, grad.param.lora_A.default.weight, grad.param.lora_B.default.weight
                                  (no grad.param.base_layer.*: the base has requires_grad = False)

Alignment fixture ("alignment"): inputs and PyTorch results for
    DPO (Rafailov et al. 2023)   -logsigmoid(beta * ((pi_w - ref_w) - (pi_l - ref_l))), per pair, and
                                 its gradient with respect to the policy log-probabilities
    ranking loss (Ouyang et al. 2022, eq. 1)   mean over ranked pairs of -logsigmoid(r_i - r_j)
    PPO clip (Schulman et al. 2017, eq. 7)     min(rho * A, clamp(rho, 1 - eps, 1 + eps) * A) and d/d rho
    KL(p || q)                                 torch.nn.functional.kl_div(log q, p, reduction="sum")
"""

from __future__ import annotations

import importlib
import json
import math
import platform
import sys
from pathlib import Path
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor

SCRIPT_PATH = Path(__file__).resolve()
REPO_ROOT = SCRIPT_PATH.parent.parent
SCRIPT_NAME = "scripts/export-peft-fixtures.py"
MANIFEST = "manifest.json"
LABEL = "peft"
SEED_BASE = 5150


# scripts/export-fixtures.py as a module (a hyphenated file name: import_module, not `import`).
sys.path.insert(0, str(SCRIPT_PATH.parent))
base = importlib.import_module("export-fixtures")


class LoraLayer(nn.Module):
    """A frozen Linear (or GPT-2 Conv1D: weight stored in x out) with PEFT's LoRA branch."""

    def __init__(self, d_in: int, d_out: int, r: int, alpha: float, conv1d: bool):
        super().__init__()
        self.conv1d = conv1d
        self.base_layer = nn.Linear(d_in, d_out)
        if conv1d:  # transformers.pytorch_utils.Conv1D keeps weight as (in x out) and computes x W + b
            self.base_layer.weight = nn.Parameter(self.base_layer.weight.detach().t().contiguous())
        self.base_layer.requires_grad_(False)
        self.lora_A = nn.ModuleDict({"default": nn.Linear(d_in, r, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(r, d_out, bias=False)})
        nn.init.kaiming_uniform_(self.lora_A["default"].weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B["default"].weight)  # PEFT's start: the layer equals its base
        self.scaling = alpha / r

    def base(self, x: Tensor) -> Tensor:
        w, b = self.base_layer.weight, self.base_layer.bias
        return x @ w + b if self.conv1d else F.linear(x, w, b)

    def forward(self, x: Tensor) -> Tensor:
        return self.base(x) + self.lora_B["default"](self.lora_A["default"](x)) * self.scaling

    def merged_weight(self) -> Tensor:
        delta = (self.lora_B["default"].weight @ self.lora_A["default"].weight) * self.scaling  # (out x in)
        return self.base_layer.weight + (delta.t() if self.conv1d else delta)


LORA_FIXTURES = [
    ("lora-linear", dict(d_in=6, d_out=5, r=2, alpha=4.0, conv1d=False), "LoRA on nn.Linear(6, 5), r 2, alpha 4 (PEFT layout)"),
    ("lora-conv1d", dict(d_in=6, d_out=9, r=3, alpha=6.0, conv1d=True), "LoRA on a GPT-2 Conv1D(6 -> 9), weight (in x out), r 3, alpha 6, fan_in_fan_out merge"),
]


def run_lora(index: int, cfg: Dict[str, object]) -> Dict[str, Tensor]:
    torch.manual_seed(SEED_BASE + index)
    m = LoraLayer(**cfg)  # type: ignore[arg-type]
    with torch.no_grad():
        m.lora_B["default"].weight.copy_(0.5 * torch.randn_like(m.lora_B["default"].weight))
    m.eval()
    x = torch.randn(2, 3, int(cfg["d_in"]), requires_grad=True)
    out: Dict[str, Tensor] = {f"param.{k}": v.detach().clone() for k, v in m.state_dict().items()}
    y = m(x)
    cot = torch.randn_like(y)
    (y * cot).sum().backward()
    out["input.x"] = x.detach().clone()
    out["output.y"] = y.detach().clone()
    out["output.merged_weight"] = m.merged_weight().detach().clone()
    out["cotangent.y"] = cot
    out["grad.input.x"] = x.grad.detach().clone()
    for name, p in m.named_parameters():
        if p.grad is not None:
            out[f"grad.param.{name}"] = p.grad.detach().clone()
    assert m.base_layer.weight.grad is None, "the base layer must stay frozen"
    return out


def run_alignment(index: int) -> Dict[str, Tensor]:
    torch.manual_seed(SEED_BASE + index)
    beta, eps = 0.1, 0.2
    out: Dict[str, Tensor] = {}
    # DPO on 5 preference pairs
    pol_w = (-1.0 - 4.0 * torch.rand(5)).requires_grad_(True)
    pol_l = (-1.0 - 4.0 * torch.rand(5)).requires_grad_(True)
    ref_w, ref_l = -1.0 - 4.0 * torch.rand(5), -1.0 - 4.0 * torch.rand(5)
    dpo = -F.logsigmoid(beta * ((pol_w - ref_w) - (pol_l - ref_l)))
    dpo.sum().backward()
    out.update({"input.policy_chosen": pol_w.detach().clone(), "input.policy_rejected": pol_l.detach().clone(),
                "input.reference_chosen": ref_w, "input.reference_rejected": ref_l,
                "output.dpo_loss": dpo.detach().clone(),
                "grad.input.policy_chosen": pol_w.grad.detach().clone(), "grad.input.policy_rejected": pol_l.grad.detach().clone()})
    # reward-model ranking loss: 4 answers, best first
    rewards = torch.randn(4)
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    ranking = torch.stack([-F.logsigmoid(rewards[i] - rewards[j]) for i, j in pairs]).mean()
    out["input.rewards"] = rewards
    out["output.ranking_loss"] = ranking.detach().reshape(1)
    # PPO clipped surrogate on 8 samples, ratios on both sides of the clip range
    ratio = torch.tensor([0.5, 0.79, 0.9, 1.0, 1.1, 1.19, 1.5, 2.0]).requires_grad_(True)
    adv = torch.tensor([1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.0, -1.0])
    ppo = torch.min(ratio * adv, torch.clamp(ratio, 1 - eps, 1 + eps) * adv)
    ppo.sum().backward()
    out.update({"input.ratio": ratio.detach().clone(), "input.advantage": adv,
                "output.ppo_objective": ppo.detach().clone(), "grad.input.ratio": ratio.grad.detach().clone()})
    # KL(p || q) of two distributions over 5 outcomes
    p, q = torch.softmax(torch.randn(5), -1), torch.softmax(torch.randn(5), -1)
    out.update({"input.p": p, "input.q": q, "output.kl": F.kl_div(q.log(), p, reduction="sum").reshape(1)})
    return out


FIXTURES = [(name, cfg, desc) for name, cfg, desc in LORA_FIXTURES] + [("alignment", {"beta": 0.1, "epsilon": 0.2}, "DPO, ranking loss, PPO clip and KL with PyTorch's logsigmoid, clamp and kl_div")]


def export_all(out_dir: Path, quiet: bool = False) -> Dict[str, object]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with base.FileSet() as files:  # every fixture and the manifest: all new or all old
        return _export_into(files, out_dir, quiet)


def _export_into(files, out_dir: Path, quiet: bool) -> Dict[str, object]:
    entries = []
    for index, (name, cfg, desc) in enumerate(FIXTURES):
        tensors = run_alignment(index) if name == "alignment" else run_lora(index, cfg)
        metadata = {"config": json.dumps(cfg, sort_keys=True, separators=(",", ":")), "description": desc,
                    "kind": "peft", "name": name, "seed": str(SEED_BASE + index), "dtype": "float32", "producer": SCRIPT_NAME}
        rel = f"{name}.safetensors"
        digest = base.write_safetensors(out_dir / rel, tensors, metadata, into=files)
        entries.append({"file": rel, "sha256": digest, "name": name, "seed": SEED_BASE + index,
                        "description": desc, "config": cfg, "tensors": {n: list(tensors[n].shape) for n in sorted(tensors)}})
        if not quiet:
            print(f"wrote {rel} ({len(tensors)} tensors)")
    manifest = {
        "torch_version": torch.__version__, "python_version": platform.python_version(), "dtype": "float32",
        "seed_base": SEED_BASE, "num_threads": 1, "script": SCRIPT_NAME,
        "script_sha256": base.sha256_file(SCRIPT_PATH), "tolerance": base.tolerance_record(),
        "naming": {
            "input.<arg>": "forward() argument or loss input",
            "param.<state_dict key>": "parameter before the forward pass (PEFT's names: base_layer, lora_A.default, lora_B.default)",
            "output.<name>": "result computed by PyTorch",
            "cotangent.<output>": "N(0,1) upstream gradient; loss = sum(output * cotangent)",
            "grad.input.<arg>": "gradient with respect to an input",
            "grad.param.<key>": "gradient with respect to a trainable parameter (none for the frozen base)",
        },
        "fixtures": entries,
    }
    base.commit_flat(files, out_dir, MANIFEST, manifest, {f"{name}.safetensors" for name, _, _ in FIXTURES}, quiet)
    return manifest


def main(argv: Optional[List[str]] = None) -> int:
    return base.flat_main(argv, "Export or check the PyTorch PEFT and alignment fixtures.", REPO_ROOT / "fixtures" / "peft", export_all, LABEL, MANIFEST)


if __name__ == "__main__":
    sys.exit(main())
