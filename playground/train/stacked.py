"""K trainers of one dense network, trained as one network: a race's contestants, or a sweep's
variants that differ only in settings that leave the batches alone (the optimizer and its
settings, L1/L2, clipping, the schedule, epochs, early stopping) and in their layers' widths.

Each of K small networks trained separately costs, every batch, a forward pass, a backward pass
and an optimizer step, each a few dozen launches of tiny kernels: the time is Python and
dispatch, not arithmetic (~0.5 ms a step for the default 2-4-2-1 network, whatever K). Stacked,
the K networks' parameters are the rows of one (K, P) tensor, `values`; one batched forward pass
(batched matmuls over (K, B, width)) and one backward pass serve all K, and then each trainer's
own torch.optim optimizer steps its own row, a single tensor, in torch's fused implementation where
it has one (SGD, Adam, AdamW, Adagrad): a few launches each. A mix of optimizers (SGD, Adam,
RMSprop, ...) is exact because each keeps its own state as it would alone. Rows of one optimizer
kind without a schedule share one optimizer, a param group (with its own settings) per row, so
torch.optim's per-call cost is paid once for all of them.

Everything else stays each trainer's own: batches (all draw the same ones, by construction),
schedules, records, divergence, early stopping. The trainers are the same objects; their modules'
parameters become views into `values`' rows (and their gradients views into `grads`' rows), so
records, visuals, snapshots and saved weights read them as before.

What stacks (`why_not_stackable`): MLPs of dense layers, element-wise activations, LayerNorm and
dropout of 0, on the same data, batch size, seed, loss and device, with the same layers but for
their widths. Narrower networks are padded with zeros to the widest: a padded unit has zero
weights in and out, so it adds exact zeros to every sum, and its gradients are masked to zero
after every backward pass, so every optimizer leaves it at zero (SGD, Adam, RMSprop, ... all
step 0 on a zero gradient with zero state); the narrow network computes what it computes alone.
(LayerNorm averages over the padding too, so with it the widths must be equal.)
Dropout masks, BatchNorm's batch statistics, CNN and recurrent layers are not stacked: such runs
train separately. The numbers equal separate runs within float tolerance (a batched matmul sums
in another order than a single one); tests/test_stacked.py compares them.

Once stacked, step the trainers only through StackedTrainers.step, and do not change their
optimizers (Trainer.set_optimizer would build one over the module's parameters, not the row).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional

from ..core import catalog
from .system import SupervisedSystem
from .trainer import Diverged, Trainer

# Each stacked leaf is a (K, *shape) view of a row-major (K, P) tensor, so it has gaps, and
# autograd's in-place accumulation into its gradient view (the point: no copies) warns that the
# gradient's layout is not the contiguous one it would have chosen. Expected here, and harmless.
warnings.filterwarnings("ignore", message="grad and param do not obey the gradient layout contract")

# Modules applied to a (K, B, width) stack as they are to (B, width): element-wise.
ELEMENTWISE = tuple({type(option.build()) for option in catalog.ACTIVATIONS.values()})


def spec_stacks(spec) -> bool:
    """Whether runs of this spec can stack at all (a dense network of layers that stack)."""
    return spec.model.family == "mlp" and all(
        layer.name in ("linear", "layernorm") or (layer.name == "dropout" and layer["p"] == 0)
        for layer in spec.model.layers)


def why_not_stackable(trainers: Sequence[Trainer]) -> str:
    """Why these trainers cannot train as one stacked network ("" when they can)."""
    if len(trainers) < 2:
        return "stacking needs at least two runs"
    first = trainers[0]
    kinds = [type(child) for child in first.module.children()]
    names = [(n, p.dim()) for n, p in first.module.named_parameters()]
    for t in trainers:
        if t.spec.model.family != "mlp" or type(t.system) is not SupervisedSystem:
            return f"only dense networks (MLPs) stack, not {t.spec.model.family}"
        for child in t.module.children():
            if not _stacks(child):
                return f"a {type(child).__name__} layer does not stack (dropout masks, batch statistics)"
        if t.step != first.step or t.step != 0:
            return "runs stack only from their first step"
        same = (t.device == first.device and t.head == first.head and t.spec.data == first.spec.data
                and t.spec.train.seed == first.spec.train.seed and t.batch_size == first.batch_size
                and len(t.x_train) == len(first.x_train))
        if not same:
            return "stacked runs need the same data, seed, batch size, loss and device"
        if [type(child) for child in t.module.children()] != kinds or \
                [(n, p.dim()) for n, p in t.module.named_parameters()] != names:
            return "stacked runs need the same layers (only their widths may differ)"
        if nn.LayerNorm in kinds and [p.shape for p in t.module.parameters()] != \
                [p.shape for p in first.module.parameters()]:
            return "networks with LayerNorm stack only at the same widths"
    return ""


def _stacks(module: nn.Module) -> bool:
    if isinstance(module, (nn.Linear, nn.LayerNorm)):
        return True
    if isinstance(module, nn.Dropout):
        return module.p == 0
    return type(module) in ELEMENTWISE


class StackedTrainers:
    """Trainers stepped together as one network of K rows (see the module's docstring).

        group = StackedTrainers([Trainer(spec_a), Trainer(spec_b)])   # ValueError if they cannot
        failures = group.step([0, 1])   # one update of trainers 0 and 1: {index: Diverged}
    """

    def __init__(self, trainers: Sequence[Trainer]):
        reason = why_not_stackable(trainers)
        if reason:
            raise ValueError(reason)
        self.trainers = list(trainers)
        first = self.trainers[0]
        # name -> (start, end, shape) in a row; a shape is the widest trainer's
        self._layout: dict[str, tuple[int, int, torch.Size]] = {}
        start = 0
        for name, p in first.module.named_parameters():
            shape = torch.Size(max(sizes) for sizes in zip(*(t.module.get_parameter(name).shape
                                                            for t in self.trainers)))
            self._layout[name] = (start, start + shape.numel(), shape)
            start += shape.numel()
        k = len(self.trainers)
        values = torch.zeros(k, start, device=first.device)  # (K, P): row k is trainer k's parameters
        # Where each trainer's own parameter lies in its row: a corner of the widest shape.
        self._blocks = [{name: values[i, a:b].view(shape)[tuple(slice(0, n) for n in p.shape)]
                         for (name, p), (a, b, shape) in zip(t.module.named_parameters(), self._layout.values())}
                        for i, t in enumerate(self.trainers)]
        padded = any(block[name].shape != self._layout[name][2] for block in self._blocks for name in block)
        self._mask = torch.zeros_like(values) if padded else None  # (K, P): 1 where a real parameter lies
        with torch.no_grad():
            for i, t in enumerate(self.trainers):
                for name, p in t.module.named_parameters():
                    self._blocks[i][name].copy_(p)
                    if self._mask is not None:
                        a, b, shape = self._layout[name]
                        self._mask[i, a:b].view(shape)[tuple(slice(0, n) for n in p.shape)] = 1
        grads = torch.zeros_like(values)  # (K, P): row k is trainer k's gradient, zeroed in place each step
        self.values, self.grads = values, grads
        # Autograd's leaves: each parameter of all K networks as one (K, *shape) view of `values`,
        # with its gradient a view of `grads`, into which backward accumulates in place. So the
        # backward pass writes each row's gradient where that row's optimizer reads it, with no
        # copies, while the forward pass sees one tensor per layer.
        self._stacked: dict[str, torch.Tensor] = {}
        self._grad_views: list[tuple[torch.Tensor, torch.Tensor]] = []  # (leaf, the view its .grad must stay)
        for name, (a, b, shape) in self._layout.items():
            leaf = values[:, a:b].view(k, *shape).requires_grad_()
            leaf.grad = grads[:, a:b].view(k, *shape)
            self._stacked[name] = leaf
            self._grad_views.append((leaf, leaf.grad))
        self._penalised = [name for name, p in first.module.named_parameters()
                           if any(p is w for w in first.measured_weights)]
        self._l1 = torch.tensor([t.spec.train.l1 for t in self.trainers], device=first.device)  # (K,)
        self._l2 = torch.tensor([t.spec.train.l2 for t in self.trainers], device=first.device)  # (K,)
        self._has_penalty = bool(self._l1.any() or self._l2.any())
        for i, t in enumerate(self.trainers):
            for name, p in t.module.named_parameters():
                a, b, shape = self._layout[name]
                p.data = self._blocks[i][name]
                p.grad = grads[i, a:b].view(shape)[tuple(slice(0, n) for n in p.shape)]
        # Row i, the one tensor trainer i's optimizer steps, with its gradient row.
        self._rows = [values[i] for i in range(k)]
        for i, t in enumerate(self.trainers):
            self._rows[i].grad = grads[i]
            t.optimize_instead([self._rows[i]], fused=True)
        self._optimizer_names = [next(iter(t.optimizers)) for t in self.trainers]
        self._share_optimizers()
        self._children = list(first.module.named_children())

    def _share_optimizers(self) -> None:
        """Rows of one optimizer kind (all Adam, say) and a constant schedule share one optimizer,
        a param group per row with that row's own settings: torch.optim's per-call cost (~20-40
        us, as much as a fused step of a small row) is then paid once a step for all of them.
        Rows with a schedule keep their own optimizer (a schedule steps every group)."""
        # Rows of one kind share; a row with a schedule is a kind of its own.
        kinds: dict[object, list[int]] = {}
        for i, t in enumerate(self.trainers):
            kinds.setdefault(t.optimizer_choice.name if t.scheduler is None else i, []).append(i)
        self._optimizers: list[tuple[torch.optim.Optimizer, list[int]]] = []  # each optimizer, the rows it steps
        for rows in kinds.values():
            shared = self.trainers[rows[0]].optimizer
            for group, i in enumerate(rows[1:], start=1):
                t = self.trainers[i]
                shared.add_param_group({"params": [self._rows[i]],
                                        **catalog.optimizer_kwargs(dict(t.optimizer_choice.params))})
                t.share_optimizer(shared, group)
            self._optimizers.append((shared, rows))

    def step(self, active: Sequence[int]) -> dict[int, Diverged]:
        """One update of each trainer in `active` (indices, all at the same step) on their shared
        next batch. Returns the trainers that diverged on it, by index; the others are unaffected
        (rows never mix). Rows not in `active` are computed but neither trained nor advanced."""
        trainers = [self.trainers[i] for i in active]
        first = trainers[0]
        if any(t.step != first.step for t in trainers):
            raise ValueError("stacked trainers step together: these are at different steps")
        starts = [t.begin_step() for t in trainers]  # every one draws the same batch (same seed)
        index = starts[0][0]
        xb, tb = first.x_train[index], first.t_train[index]  # (B, F), (B, ...)
        losses = self._losses(self._forward(xb), tb)  # (K,)
        chosen = list(active)
        objective = losses.sum() if len(chosen) == len(self.trainers) else losses[chosen].sum()
        if self._has_penalty:
            objective = objective + self._penalty(chosen)
        self.grads.zero_()
        # Each row's gradient is that of its own loss alone: no row's output depends on another's.
        objective.backward()
        for leaf, view in self._grad_views:
            if leaf.grad is not view:  # autograd gave it a new tensor after all: put it where it is read
                view.copy_(leaf.grad)
                leaf.grad = view
        if self._mask is not None:
            self.grads.mul_(self._mask)  # padding stays exactly zero
        values = losses.detach().tolist()  # one host sync for every run's loss
        for i, t in zip(active, trainers):
            t.prepare_update(self._optimizer_names[i])  # clipping; the weights a record needs
        self._step_optimizers(set(active))
        diverged: dict[int, Diverged] = {}
        for i, t, (_, will_record) in zip(active, trainers, starts):
            try:
                t.end_step({"loss": values[i]}, will_record)
            except Diverged as err:
                diverged[i] = err
        return diverged

    def _step_optimizers(self, active: set[int]) -> None:
        """Each optimizer once. A shared optimizer's rows that are not stepping now (finished,
        diverged) lose their gradient for the step, so that it leaves them alone (torch.optim
        skips a parameter without one; Adam's momentum would move it on a zero gradient)."""
        for optimizer, rows in self._optimizers:
            if not active.intersection(rows):
                continue
            idle = [i for i in rows if i not in active]
            for i in idle:
                self._rows[i].grad = None
            optimizer.step()
            for i in idle:
                self._rows[i].grad = self.grads[i]

    # ------------------------------------------------------------------ the batched network

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, F) -> (K, B, outputs): every network on the same batch."""
        params = self._stacked
        h = x.expand(len(self.trainers), *x.shape)  # (K, B, F), no copy
        for name, child in self._children:
            if isinstance(child, nn.Linear):
                weight = params[f"{name}.weight"].transpose(1, 2)  # (K, in, out)
                bias = params.get(f"{name}.bias")  # (K, out) or None
                h = torch.bmm(h, weight) if bias is None else torch.baddbmm(bias.unsqueeze(1), h, weight)
            elif isinstance(child, nn.LayerNorm):
                h = functional.layer_norm(h, child.normalized_shape, None, None, child.eps)
                if child.elementwise_affine:
                    h = h * params[f"{name}.weight"].unsqueeze(1)
                    if child.bias is not None:
                        h = h + params[f"{name}.bias"].unsqueeze(1)
            elif isinstance(child, nn.Dropout):
                continue  # p == 0 (why_not_stackable)
            else:
                h = child(h)  # element-wise activation
        return h

    def _losses(self, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """(K,) each network's mean loss on the batch, as make_loss() gives it for one network."""
        k, b = out.shape[:2]
        head = self.trainers[0].head
        if head.loss_name == "cross_entropy":  # takes (N, classes) rows and (N,) labels
            rows = head.loss_per_element(out.reshape(k * b, -1), t.expand(k, b).reshape(k * b))  # (K*B,)
            return rows.view(k, b).mean(dim=1)
        return head.loss_per_element(out, t.expand(k, *t.shape)).flatten(1).mean(dim=1)  # (K, B, outputs) -> (K,)

    def _penalty(self, chosen: list[int]) -> torch.Tensor:
        """Σ over the chosen rows of l1·Σ|w| + l2·Σw² over the measured weights, each row with
        its own l1 and l2 (as Trainer._penalty gives for one network)."""
        params = self._stacked
        k = len(self.trainers)
        l1_terms = torch.zeros(k, device=self.values.device)
        l2_terms = torch.zeros(k, device=self.values.device)
        for name in self._penalised:
            w = params[name].reshape(k, -1)  # (K, n)
            l1_terms = l1_terms + w.abs().sum(dim=1)
            l2_terms = l2_terms + (w * w).sum(dim=1)
        return (self._l1 * l1_terms + self._l2 * l2_terms)[chosen].sum()
