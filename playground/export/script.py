"""A spec as a standalone PyTorch script (torch and numpy only, no import of this package) that
reproduces its run: `render_script(spec)` fills template.SCRIPT in; `export_problems(spec)` says
what cannot be exported yet, naming the field.

Reproducing a run means drawing the same random numbers in the same order as the engine:
  data     numpy: SeedSequence(data.seed).spawn(2) -> the points' stream, then the split's
           (the generator and split_indices are copied from the engine's source, unchanged);
  weights  torch.manual_seed(train.seed), then each nn.Linear in order as it is built, then the
           init of every dense layer in order (the engine does both: families/mlp/model.py);
  batches  torch.randperm over the training rows from torch.Generator().manual_seed(train.seed),
           one permutation an epoch (train/trainer.py);
  dropout  torch's global generator re-seeded with train.seed just before training, as the
           engine's PrivateRandomState starts from it (core/rng.py); nothing else draws from it.
Records evaluate train + test in one forward pass, as the engine does, so the sums match bit for bit.
"""

from __future__ import annotations

import inspect
import json
from string import Template

from ..core import catalog
from ..core.params import SpecError
from ..core.spec import Spec
from ..data import datasets, generators
from ..train.heads import Head, resolve_loss
from .template import SCRIPT

# The data sets the script can generate: the 2-D (plane) and 1-D (line) generators.
EXPORTABLE_DATA = tuple(name for name, g in generators.GENERATORS.items()  # labelled points (not a GAN's)
                        if g.geometry in ("plane", "line") and g.task != "generative")
EXPORTABLE_FAMILIES = ("mlp",)

# What each plane feature is, as code: the same expressions as datasets.PLANE_FEATURES.
FEATURE_CODE = {
    "x1": "p[:, 0]",
    "x2": "p[:, 1]",
    "x1^2": "p[:, 0] ** 2",
    "x2^2": "p[:, 1] ** 2",
    "x1*x2": "p[:, 0] * p[:, 1]",
    "sin(x1)": "np.sin(p[:, 0])",
    "sin(x2)": "np.sin(p[:, 1])",
}
assert FEATURE_CODE.keys() == datasets.PLANE_FEATURES.keys(), "every plane feature has its code"

# Names a generator may use besides numpy, and their definitions in the script.
_HELPERS = {
    "_halves": inspect.getsource(generators._halves).rstrip(),
    "RADIUS": f"RADIUS = {generators.RADIUS!r}  # half-width of the square the points live in",
    "BUMP_CENTERS": f"BUMP_CENTERS = np.array({generators.BUMP_CENTERS.tolist()!r}, dtype=np.float64)",
    "BUMP_SIGNS": f"BUMP_SIGNS = np.array({generators.BUMP_SIGNS.tolist()!r}, dtype=np.float64)",
    "RARE_SHARE": f"RARE_SHARE = {generators.RARE_SHARE!r}  # of the points in the rare class",
    "OUTLIER_SHARE": f"OUTLIER_SHARE = {generators.OUTLIER_SHARE!r}  # of the points",
}


def export_problems(spec: Spec) -> list[tuple[str, str]]:
    """(field, message) for each part of `spec` the script cannot reproduce yet; [] if it can."""
    problems = []
    if spec.model.family not in EXPORTABLE_FAMILIES:
        label = catalog.FAMILIES[spec.model.family].label
        problems.append(("model.family", f"a {label} cannot be exported as a script yet; only the dense network "
                                         "(mlp) can"))
    if spec.data.name not in EXPORTABLE_DATA:
        problems.append(("data.name", f"{spec.data.name!r} cannot be exported as a script yet: the script generates "
                                      f"its data with numpy, which only the 2-D and 1-D generators do "
                                      f"({', '.join(EXPORTABLE_DATA)}); not CSV files, uploads, scikit-learn sets, "
                                      "images or sequences"))
    return problems


def check_exportable(spec: Spec) -> None:
    problems = export_problems(spec)
    if problems:
        raise SpecError(problems)


def render_script(spec: Spec, title: str = "run", file_name: str = "run.py") -> str:
    """The script's text; SpecError naming the field when the spec cannot be exported."""
    check_exportable(spec)
    data, train = spec.data, spec.train
    info = generators.GENERATORS[data.name]
    task, n_classes = info.task, len(info.class_names)
    if info.uses_classes:
        task, n_classes = ("binary" if data.classes == 2 else "multiclass"), data.classes
    head = Head(task, resolve_loss(train.loss, task), 0 if task == "regression" else n_classes)
    plane = info.geometry == "plane"
    features = list(data.features) if plane else ["x"]
    activations = [c["activation"] for c in spec.model.layers if c.name == "linear"] + ["identity"]
    return Template(SCRIPT).substitute(
        title=title, file_name=file_name, spec_text=_spec_text(spec),
        metric=head.metric_name, metric_label="R²" if task == "regression" else "accuracy",
        data_name=_py(data.name), n_samples=data.n_samples, noise=repr(data.noise),
        train_fraction=repr(data.train_fraction), data_seed=data.seed, features=_py(features),
        standardize=repr(data.standardize), task=_py(task),
        seed=train.seed, epochs=train.epochs, batch_size=train.batch_size, l1=repr(train.l1), l2=repr(train.l2),
        grad_clip=repr(train.grad_clip), patience=train.early_stopping_patience,
        record_every=spec.telemetry.every_steps,
        generator_source=_generator_source(info.fn),
        split_source=inspect.getsource(datasets.split_indices).rstrip(),
        n_coordinates=2 if plane else 1,
        feature_functions="\n".join(f"    {_py(name)}: lambda p: {FEATURE_CODE.get(name, 'p[:, 0]')},"
                                    for name in features),
        generator_call=_generator_call(info, data),
        label_dtype="np.float32" if task == "regression" else "np.int64",
        n_outputs=head.n_outputs, model_layers=_model_layers(spec, head), init=_py(spec.model.init),
        activations=_py(activations), init_body=_init_body(spec.model.init, spec.model.init_std),
        **_head_parts(head),
        has_batchnorm=repr(any(c.name == "batchnorm" for c in spec.model.layers)),
        optimizer_build=_optimizer(train.optimizer.name, dict(train.optimizer.params)),
        schedule_build=_schedule(train.schedule.name, dict(train.schedule.params)),
    )


# --------------------------------------------------------------------------- pieces

def _py(value) -> str:
    """A settings value as Python source, strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _spec_text(spec: Spec) -> str:
    """The spec's JSON, a line a section: `python -m playground train --spec` reads it back."""
    sections = [f'     "{name}": {json.dumps(values)}' for name, values in spec.to_dict().items()]
    return "    {\n" + ",\n".join(sections) + "\n    }"


def _generator_source(fn) -> str:
    """The engine's generator, unchanged, after the helpers and constants it uses."""
    source = inspect.getsource(fn).rstrip()
    needed = [code for name, code in _HELPERS.items() if name in source]
    return "\n\n\n".join([*needed, source]) if needed else source


def _generator_call(info: generators.GeneratorInfo, data) -> str:
    extra = f", classes={data.classes}" if info.uses_classes else ""
    return f"{info.fn.__name__}(N_SAMPLES, NOISE, np.random.default_rng(points_seed){extra})"


def _model_layers(spec: Spec, head: Head) -> str:
    """The nn.Sequential's entries, one layer a line, with what each is."""
    lines, width, dense = [], "n_inputs", 0
    for layer in spec.model.layers:
        if layer.name == "linear":
            dense += 1
            units, activation = layer["units"], layer["activation"]
            act = catalog.ACTIVATIONS[activation].build.__name__
            lines.append(f"nn.Linear({width}, {units}), nn.{act}(),  # hidden {dense}: {units} {activation} units")
            width = units
        elif layer.name == "dropout":
            lines.append(f"nn.Dropout(p={layer['p']!r}),  # while training, zero each value with probability p")
        elif layer.name == "batchnorm":
            lines.append(f"nn.BatchNorm1d({width}),  # normalise each feature over the batch")
        elif layer.name == "layernorm":
            lines.append(f"nn.LayerNorm({width}),  # normalise each example over its features")
        else:  # the MLP's menu has no other kind (catalog.LAYERS)
            raise ValueError(f"no script for a {layer.name} layer")
    what = {"regression": "the predicted value (standardised)"}.get(head.task, f"{head.n_outputs} logit(s)")
    lines.append(f"nn.Linear({width}, {head.n_outputs}),  # output: {what}")
    return "\n".join(" " * 8 + line for line in lines)


def _init_body(init: str, std: float) -> str:
    bodies = {
        "default": ["layer.reset_parameters()  # PyTorch's own: uniform in ±1/√fan_in, drawn anew"],
        "zeros": ["nn.init.zeros_(layer.weight)  # every weight 0: the units of a layer stay identical",
                  "nn.init.zeros_(layer.bias)"],
        "normal": [f"nn.init.normal_(layer.weight, 0.0, {std!r})  # model.init_std",
                   "nn.init.zeros_(layer.bias)"],
        "xavier": ['gain = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}',
                   'nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(gain.get(activation, '
                   '"linear")))',
                   "nn.init.zeros_(layer.bias)"],
        "kaiming": ['nonlinearity = "leaky_relu" if activation == "leaky_relu" else "relu"',
                    "nn.init.kaiming_normal_(layer.weight, nonlinearity=nonlinearity)",
                    "nn.init.zeros_(layer.bias)"],
    }
    return "\n".join("    " + line for line in bodies[init])


def _head_parts(head: Head) -> dict[str, str]:
    """The loss, targets, predictions and metric of the task (train/heads.py, written out)."""
    loss = catalog.LOSSES[head.loss_name]
    loss_class = loss.build.__name__
    parts = {"loss_build": f"nn.{loss_class}()", "target_statistics": ""}
    if head.loss_name == "cross_entropy":
        parts["per_example_doc"] = "-log softmax(out)[true class] = logsumexp(out) - out[true class]."
        parts["per_example_body"] = ("    return torch.logsumexp(out, dim=-1) - out.gather(-1, t.unsqueeze(-1))"
                                     ".squeeze(-1)  # (N,)")
    else:
        parts["per_example_doc"] = f"{loss.label}, unreduced."
        parts["per_example_body"] = f'    return nn.{loss_class}(reduction="none")(out, t)  # (N, outputs)'
    if head.task == "regression":
        parts.update(
            head_comment="Regression: one output, trained on targets standardised with the training split's "
                         "mean and std;\n# predictions are turned back into the data's own units.",
            targets_body="    return ((y.float() - Y_MEAN) / Y_STD).unsqueeze(1)  # (B, 1)",
            prediction_kind="values in the data's own units",
            predict_body="    return out[:, 0] * Y_STD + Y_MEAN",
            metric_doc="1 - (sum of squared errors) / (sum of squares about the mean).",
            metric_body="\n".join([
                "    pred = predict(out)",
                "    y = y.float()",
                "    ss_res = ((y - pred) ** 2).sum()",
                "    ss_tot = ((y - y.mean()) ** 2).sum().clamp_min(1e-12)",
                "    return 1.0 - ss_res / ss_tot"]),
            target_statistics="\n".join([
                "    # Regression targets are trained standardised, with the training split's mean and std.",
                "    global Y_MEAN, Y_STD",
                "    Y_MEAN, Y_STD = float(y_train.mean()), float(y_train.std())",
                "    Y_STD = Y_STD if Y_STD > 1e-12 else 1.0"]),
        )
        return parts
    parts.update(prediction_kind="class ids", metric_doc="the share of examples whose predicted class is right.",
                 metric_body="    return (predict(out) == y).float().mean()")
    if head.loss_name == "cross_entropy":
        parts.update(head_comment=f"{head.task.capitalize()} classification with cross-entropy: "
                                  f"{head.n_outputs} logits, one per class.",
                     targets_body="    return y.long()  # (B,) class ids",
                     predict_body="    return out.argmax(dim=-1)")
    elif head.n_outputs == 1:
        threshold = 0.0 if head.loss_name == "bce" else 0.5
        why = "a logit above 0 is P(class 1) above ½" if head.loss_name == "bce" else "regressed onto 0/1"
        parts.update(head_comment=f"Binary classification with {loss.label.lower()}: one output ({why}).",
                     targets_body="    return y.float().unsqueeze(1)  # (B, 1) in {0, 1}",
                     predict_body=f"    return (out[:, 0] > {threshold!r}).long()")
    else:
        parts.update(head_comment=f"Classification with {loss.label.lower()}: {head.n_outputs} outputs regressed "
                                  "onto one-hot targets.",
                     targets_body=f"    return nn.functional.one_hot(y.long(), {head.n_outputs}).float()  # (B, K)",
                     predict_body="    return out.argmax(dim=-1)")
    return parts


def _optimizer(name: str, params: dict) -> str:
    kwargs = ", ".join(f"{k}={v!r}" for k, v in catalog.optimizer_kwargs(params).items())
    return f"torch.optim.{catalog.OPTIMIZERS[name].build.__name__}(model.parameters(), {kwargs})"


def _schedule(name: str, params: dict) -> str:
    """The schedule as the engine builds it (catalog.build_schedule), stepped once a batch."""
    sched = "torch.optim.lr_scheduler"
    lr = "optimizer.param_groups[0][\"lr\"]"
    if name == "constant":
        return "None  # a constant learning rate"
    if name == "step":
        return (f"{sched}.StepLR(optimizer, step_size=max(1, round({params['step_epochs']!r} * steps_per_epoch)), "
                f"gamma={params['gamma']!r})")
    if name == "exponential":
        return f"{sched}.ExponentialLR(optimizer, gamma={params['gamma']!r} ** (1.0 / steps_per_epoch))"
    if name == "cosine":
        return (f"{sched}.CosineAnnealingLR(optimizer, T_max=max(1, total_steps), "
                f"eta_min={lr} * {params['min_lr_fraction']!r})")
    if name == "onecycle":
        return (f"{sched}.OneCycleLR(optimizer, max_lr={lr}, total_steps=max(2, total_steps + 1), "
                f"pct_start={params['pct_start']!r})")
    raise ValueError(f"no script for the {name} schedule")

