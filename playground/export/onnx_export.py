"""A trained network as an ONNX file, checked against onnxruntime: the optional extra
`pip install '.[onnx]'` (onnx, onnxscript for torch's exporter, onnxruntime to check it).

    to_onnx(module, example)            -> the .onnx file's bytes; batch size free
    onnxruntime_outputs(model, inputs)  -> what onnxruntime computes from them
"""

from __future__ import annotations

import copy
import logging
import warnings

import numpy as np
import torch

INSTALL_HINT = "ONNX export needs the optional extra: pip install '.[onnx]' (onnx, onnxscript, onnxruntime)"
INPUT, OUTPUT = "inputs", "outputs"  # the graph's input and output names


def require_onnx() -> None:
    """RuntimeError saying how to install the extra, when a part of it is missing."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as e:
        raise RuntimeError(f"{INSTALL_HINT}; missing: {e.name}") from None


def to_onnx(module: torch.nn.Module, example: torch.Tensor) -> bytes:
    """`module` in eval mode (dropout off, BatchNorm's running statistics) as ONNX, traced on
    `example` (B, ...) with the batch dimension left free. The module itself is not changed."""
    require_onnx()
    model = copy.deepcopy(module).cpu().eval()
    example = example.detach().cpu()
    batch = torch.export.Dim("batch", min=1)
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)  # its notes that torchvision's operators are not registered
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on deprecated pytree types
            program = torch.onnx.export(model, (example,), dynamo=True, input_names=[INPUT],
                                        output_names=[OUTPUT],
                                        dynamic_shapes=({0: batch},), verbose=False)
    finally:
        exporter_log.setLevel(level)
    return program.model_proto.SerializeToString()


def onnxruntime_outputs(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """The ONNX model run by onnxruntime on the CPU: (B, ...) float32 -> its outputs."""
    require_onnx()
    import onnxruntime

    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run([OUTPUT], {INPUT: np.ascontiguousarray(inputs, dtype=np.float32)})[0]
