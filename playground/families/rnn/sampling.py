"""Generated text from a next-character model (data/text.py): the model reads the last T
characters, one-hot, as in training, and the next character is drawn from its distribution at a
temperature; repeated, a character at a time, that writes a sample.

    temperature 0      the most likely character every time (argmax: greedy, often loops)
    temperature 1      the model's own distribution
    temperature > 1    flatter: rarer characters more often, towards noise

The window slides rather than carrying the hidden state on, so the model always sees what it
was trained on (T characters from a zero state) and any stack of layers works. A sample is a pure
function of the model, the prompt, the temperature and the seed.

The trainer computes TextViews with its other pictures (Trainer.compute_visuals): a frozen CPU
copy of the model and the prompts; the page then samples from that copy at the temperature and
seed the user picks, a few hundred characters in some tens of milliseconds.
"""

from __future__ import annotations

import copy
import functools
import pickle
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ...data.datasets import Dataset
from ...data.text import ALPHABET, TEXT_SETS, VOCABULARY, decode, encode, one_hot

SAMPLE_LENGTH = 200  # characters a sample adds after its prompt
PROMPTS = 16  # held-out windows kept as prompts (the sample seed picks one)


def temperature_probabilities(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """(..., V) logits -> (..., V) probabilities: softmax(logits / temperature); at temperature 0
    (or below) all of it on the most likely character (the first of equals)."""
    if temperature <= 0:
        return nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return torch.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def generate(module: nn.Module, prompt: str, window: int, length: int = SAMPLE_LENGTH, temperature: float = 1.0,
             seed: int = 0) -> str:
    """The `length` characters `module` writes after `prompt` (at least `window` characters of
    ALPHABET, e.g. from data.text.normalize(); the last `window` are what it reads first).
    `module` maps (B, T·V) one-hot rows to (B, V) logits; it should be in eval mode."""
    ids = list(encode(prompt))
    if len(ids) < window:
        raise ValueError(f"the prompt has {len(ids)} characters, but the model reads windows of {window}; "
                         f"give at least {window} characters")
    if length < 0:
        raise ValueError(f"length {length} is negative; give the number of characters to write, 0 or more")
    device = next(module.parameters()).device
    generator = torch.Generator().manual_seed(seed)  # CPU: the same sample on any device
    for _ in range(length):
        x = torch.as_tensor(one_hot(np.array([ids[-window:]])), device=device)  # (1, T·V)
        probabilities = temperature_probabilities(module(x)[0].float().cpu(), temperature)  # (V,)
        if temperature <= 0:
            ids.append(int(probabilities.argmax()))
        else:
            ids.append(int(torch.multinomial(probabilities, 1, generator=generator)))
    return decode(ids[len(ids) - length:])


@dataclass(frozen=True)
class Sample:
    prompt: str  # the window the model read first
    text: str  # what it wrote after it
    temperature: float
    seed: int


@dataclass(frozen=True)
class TextViews:
    """model:    a copy of the network on the CPU in eval mode, as it was when the views were taken;
              held pickled (model_bytes): a worker process sends views through multiprocessing,
              whose pickler passes a module's tensors as shared-memory handles, which the server
              refused ("digest sent was rejected") and the page never drew
    window:   T, the characters it reads
    prompts:  held-out windows (from the test part of the text) that samples start from"""

    model_bytes: bytes
    window: int
    prompts: tuple[str, ...]

    @functools.cached_property
    def model(self) -> nn.Module:
        return pickle.loads(self.model_bytes)  # the bytes come from this process or a worker of this server

    def sample(self, temperature: float, seed: int, length: int = SAMPLE_LENGTH) -> Sample:
        """A sample from prompt number seed mod PROMPTS, drawn with generator seed `seed`."""
        prompt = self.prompts[seed % len(self.prompts)]
        return Sample(prompt, generate(self.model, prompt, self.window, length, temperature, seed), temperature, seed)


def text_views(module: nn.Module, dataset: Dataset, x_test: torch.Tensor | None = None) -> TextViews | None:
    """The views of a model trained on a text set (None for other data): the family's `views`."""
    if dataset.name not in TEXT_SETS or dataset.sequence_shape is None:
        return None
    window = dataset.sequence_shape[0]
    rows = dataset.x_test[:PROMPTS].reshape(-1, window, VOCABULARY)  # (K, T, V) one-hot
    prompts = tuple(decode(row) for row in rows.argmax(axis=2))
    model = copy.deepcopy(module).cpu().eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return TextViews(pickle.dumps(model), window, prompts)


def samples_report(views: TextViews, temperatures: tuple[float, ...] = (0.5, 1.0), count: int = 3,
                   length: int = SAMPLE_LENGTH) -> str:
    """`count` samples at each temperature as plain text (the CLI's samples.txt): prompt, then
    what the model wrote after it."""
    blocks = [f"Generated samples: {count} at each temperature, {length} characters after a prompt of "
              f"{views.window} from the held-out text. Alphabet: {ALPHABET!r}.\n"]
    for temperature in temperatures:
        for seed in range(count):
            sample = views.sample(temperature, seed, length)
            blocks.append(f"--- temperature {temperature:g}, seed {seed}\n[prompt] {sample.prompt}\n"
                          f"[sample] {sample.text}\n")
    return "\n".join(blocks)
