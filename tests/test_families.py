"""The model-family seam: `model.family` picks how a spec is planned and built. The MLP is the
first family; everything written before the seam (presets, JSON specs, links) means what it did."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from playground import charts
from playground.core import catalog
from playground.core.params import SpecError
from playground.core.presets import PRESETS, get_preset
from playground.core.spec import Spec
from playground.data.datasets import load_dataset
from playground.families import FAMILIES, build_model, data_inputs, plan_model
from playground.train.heads import make_head
from playground.ui.share import link_params

MLP_PRESETS = [name for name, preset in PRESETS.items() if preset.spec.model.family == "mlp"]


def test_the_presets_from_before_the_seam_are_all_mlps():
    assert {"circle", "xor", "gauss", "spiral", "digits-mlp", "overfit"} <= set(MLP_PRESETS)


@pytest.mark.parametrize("name", MLP_PRESETS)
def test_every_mlp_presets_json_and_link_are_unchanged(name):
    spec = get_preset(name)
    assert "model.family" not in link_params(spec)  # links written before the seam: the same text
    assert Spec.from_flat(link_params(spec)) == spec
    old_json = json.loads(spec.to_json())
    del old_json["model"]["family"]  # a spec file saved before the seam
    assert Spec.from_dict(old_json) == spec == Spec.from_json(spec.to_json())


@pytest.mark.parametrize("name", [n for n in PRESETS if n not in MLP_PRESETS])
def test_other_families_travel_in_links_and_json(name):
    spec = get_preset(name)
    assert link_params(spec)["model.family"] == spec.model.family
    assert Spec.from_flat(link_params(spec)) == spec == Spec.from_json(spec.to_json())


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_presets_plan_is_what_gets_built(name):
    spec = get_preset(name)
    ds = load_dataset(spec.data)
    outputs = make_head(spec.train.loss, ds.task, ds.n_classes, ds.y_train).n_outputs
    plan = plan_model(spec.model, data_inputs(spec.model, ds), outputs)
    network = build_model(spec.model, data_inputs(spec.model, ds), outputs, seed=0)
    assert not plan.problems
    assert plan.parameters == network.parameter_count() and plan.widths == network.widths
    assert [p.label for p in plan.layers if p.kind == "linear"] == network.dense_labels
    # A GAN's drawn network, its generator, reads noise of the plan's input shape, not the data.
    x = torch.zeros(3, *plan.inputs) if FAMILIES[spec.model.family].generative else torch.as_tensor(ds.x_test[:3])
    output = [p for p in plan.layers if p.kind == "linear"][-1]  # the drawn network's output layer
    assert network.module(x).shape == (3, *output.shape)  # (3, outputs), or
    # (3, T, outputs) for a Transformer's answer at every position: the planned shapes fit


def test_an_unknown_family_is_refused_naming_the_field():
    with pytest.raises(SpecError) as refused:
        Spec.from_flat({"model.family": "boltzmann"})
    field, message = refused.value.errors[0]
    assert field == "model.family" and "mlp" in message and "cnn" in message


def test_the_catalog_and_the_builders_name_the_same_families():
    assert FAMILIES.keys() == catalog.FAMILIES.keys() == catalog.FAMILY_LAYERS.keys()


def test_a_cnns_telemetry_covers_its_conv_layers_too():
    from playground.train.snapshot import take_snapshot
    from playground.train.trainer import Trainer

    trainer = Trainer(get_preset("digits-cnn"))
    trainer.run(trainer.record_every)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    assert snap.layer_labels == ["conv 1", "conv 2", "hidden 1", "output"]
    convs = [m for m in trainer.module.modules() if isinstance(m, torch.nn.Conv2d)]
    for counts, conv in zip(snap.weight_counts[:2], convs):
        assert (counts.sum(axis=1) == conv.weight.numel()).all()  # every weight of each filter bank counted
    # The network diagram still draws the dense part, its columns named as before.
    assert snap.dense_labels == ["hidden 1", "output"]
    drawn = charts.network_figure(snap).to_json()
    assert "hidden 1" in drawn and "conv 1" not in drawn
    latest = snap.layers[snap.layers["step"] == snap.layers["step"].max()].set_index("layer")
    expected = float(torch.linalg.vector_norm(convs[0].weight.detach()))
    assert latest.loc["conv 1", "weight_norm"] == pytest.approx(expected, rel=1e-5)


def _cnn(*layers: dict) -> Spec:
    return Spec().with_overrides(**{"model.family": "cnn", "model.layers": list(layers)})


@pytest.mark.parametrize("size", [5, 8])
def test_conv_and_pool_shapes_are_torchs_own(size):
    """Over a grid of kernel, stride and padding, the planned shape of one example equals what
    the built module outputs, and a layer the plan refuses is one torch cannot run either."""
    for kernel in range(1, 8):
        for stride in (1, 2, 3):
            for padding in (0, 1, 2, 3):
                conv = {"kind": "conv", "channels": 3, "kernel": kernel, "stride": stride, "padding": padding}
                for spec in (_cnn(conv), _cnn(conv, {"kind": "maxpool", "kernel": 2}),
                             _cnn({"kind": "avgpool", "kernel": 2}, conv)):
                    plan = plan_model(spec.model, (2, size, size), 4)
                    x = torch.zeros(1, 2 * size * size)
                    if plan.problems:
                        module = torch.nn.Sequential(torch.nn.Unflatten(1, (2, size, size)),
                                                     *_torch_layers(spec, 2))
                        with pytest.raises(RuntimeError):
                            module(x)
                        continue
                    network = build_model(spec.model, (2, size, size), 4, seed=0)
                    planned_steps = [p for p in plan.layers if p.kind in ("conv", "maxpool", "avgpool")]
                    for step, planned in zip(_image_steps(network.module, x), planned_steps, strict=True):
                        assert tuple(step.shape[1:]) == planned.shape, (kernel, stride, padding, spec.model.layers)


def _torch_layers(spec: Spec, channels: int) -> list[torch.nn.Module]:
    """The image layers of `spec` built straight with torch, shapes unchecked."""
    out = []
    for layer in spec.model.layers:
        if layer.name == "conv":
            out.append(torch.nn.Conv2d(channels, layer["channels"], layer["kernel"], layer["stride"], layer["padding"]))
            channels = layer["channels"]
        else:
            out.append((torch.nn.MaxPool2d if layer.name == "maxpool" else torch.nn.AvgPool2d)(layer["kernel"]))
    return out


def _image_steps(module: torch.nn.Sequential, x: torch.Tensor):
    """The output of each conv and pooling module, in order."""
    for part in module:
        x = part(x)
        if isinstance(part, (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)):
            yield x


def test_a_refused_layer_names_itself_and_the_sizes():
    plan = plan_model(_cnn({"kind": "maxpool", "kernel": 4}, {"kind": "maxpool", "kernel": 4},
                           {"kind": "conv", "kernel": 3, "padding": 0}).model, (1, 8, 8), 10)
    advice = "use a smaller kernel, more padding, or fewer pooling layers before it"
    assert plan.problems == (("model.layers.1", f"layer 2 (Max pool): kernel 4 is larger than its 2×2 input; {advice}"),
                             ("model.layers.2", f"layer 3 (Conv): kernel 3 is larger than its 2×2 input; {advice}"))
    late = plan_model(_cnn({"kind": "linear", "units": 8}, {"kind": "conv"}).model, (1, 8, 8), 10)
    assert late.problems[0][0] == "model.layers.1" and "after a dense layer" in late.problems[0][1]
    with pytest.raises(SpecError) as refused:
        build_model(_cnn({"kind": "linear", "units": 8}, {"kind": "conv"}).model, (1, 8, 8), 10, seed=0)
    assert refused.value.errors == list(late.problems)


def test_a_cnns_views_are_its_real_filters_and_intermediate_outputs():
    """Filters are the first conv layer's weights; each feature map is what a forward hook on the
    same model sees after that conv layer's activation; the gallery's pixels are the data's own."""
    from playground.families.cnn.views import GALLERY, TRACED
    from playground.train.trainer import Trainer

    trainer = Trainer(get_preset("digits-cnn"))
    trainer.run(100)
    views = trainer.compute_visuals().family
    module = trainer.module
    convs = [i for i, m in enumerate(module) if isinstance(m, torch.nn.Conv2d)]
    np.testing.assert_array_equal(views.filters, module[convs[0]].weight.detach().numpy())
    seen = {}
    hooks = [module[i + 1].register_forward_hook(lambda m, args, out, i=i: seen.setdefault(i, out.detach()))
             for i in convs]  # the activation right after each conv layer
    module.eval()
    with torch.no_grad():
        module(trainer.x_test[:TRACED])
    for hook in hooks:
        hook.remove()
    assert len(views.maps) == TRACED and views.examples.shape == (GALLERY, 1, 8, 8)
    for image in range(TRACED):
        for (label, maps), i in zip(views.maps[image], convs, strict=True):
            np.testing.assert_allclose(maps, seen[i][image].numpy(), rtol=1e-6, atol=1e-6)
    raw = load_dataset(get_preset("digits-cnn").data)  # the same split: x_test is standardised pixels
    assert views.examples.max() == 16 and views.examples.min() >= -1e-4  # digits' own 0..16 scale
    np.testing.assert_allclose(views.examples.reshape(GALLERY, -1), raw.featurize.mean + raw.featurize.std
                               * raw.x_test[:GALLERY], rtol=1e-5, atol=1e-4)


def test_l2_reaches_a_cnns_filters_too():
    """The penalties act on every measured layer's weights, a CNN's conv filters as well as its
    dense layers: one SGD step with L2 moves a filter by an extra -lr·2·l2·w."""
    from playground.train.trainer import Trainer

    base = get_preset("digits-cnn").with_overrides(**{"train.optimizer.name": "sgd", "train.optimizer.lr": 0.1})
    plain, penalised = Trainer(base), Trainer(base.with_overrides(**{"train.l2": 0.01}))
    before = next(m for m in penalised.module.modules() if isinstance(m, torch.nn.Conv2d)).weight.detach().clone()
    plain.run(1)
    penalised.run(1)
    filters = [next(m for m in t.module.modules() if isinstance(m, torch.nn.Conv2d)).weight.detach()
               for t in (plain, penalised)]
    torch.testing.assert_close(filters[1] - filters[0], -0.1 * 2 * 0.01 * before, rtol=1e-3, atol=1e-7)


def test_naming_a_family_without_layers_starts_from_its_own_layers():
    """A link or `--set model.family=cnn` gets a CNN's convolutions, not the MLP's dense layers;
    layers given with it are kept, and switching back to mlp gives the MLP's."""
    from playground.core.spec import Spec
    from playground.families import default_layers

    cnn = Spec().with_overrides(**{"model.family": "cnn", "data.name": "digits"})
    assert cnn.model.layers == default_layers("cnn") and cnn.model.layers[0].name == "conv"
    assert Spec.from_json('{"model": {"family": "cnn"}}').model.layers == default_layers("cnn")
    given = Spec().with_overrides(**{"model.family": "cnn", "model.layers": '[{"kind": "linear", "units": 8}]'})
    assert [c.name for c in given.model.layers] == ["linear"]
    back = cnn.with_overrides(**{"model.family": "mlp"})
    assert back.model.layers == Spec().model.layers
    assert Spec().with_overrides(**{"train.optimizer.lr": 0.1}).model.layers == Spec().model.layers
