"""Character-level text shipped in datasets/ as a next-character task: each example is a window
of T characters, one-hot (T steps of V features, so the recurrent family reads it as it reads any
sequence), and its class is the character that follows the window.

How the text is read (normalize): lower-cased; every character outside ALPHABET becomes a space
(dashes, colons, semicolons, brackets, double quotes); runs of spaces become one space, and a
space before . , ! or ? goes; spaces at the ends of a line go; blank lines between paragraphs
become a single newline. So the model sees V = 33 symbols: space, newline, a-z and . , ' ! ?

Train and test windows come from different parts of the text: the first `train_fraction` of it
for training, the rest for testing, each window and its next character wholly inside its part,
so the test loss measures how the model does on sentences it never saw. Window starts are drawn
with the data seed's generator (without repeats while there are enough starts). `noise` replaces
each input character, with that probability, by one drawn uniformly from the alphabet (the
target is never changed): 0 is the clean text.

    X: (n, T·V) float32 one-hot rows, step by step (t1's V values first); y: (n,) int64 class ids
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..core.params import SpecError

ALPHABET = " \nabcdefghijklmnopqrstuvwxyz.,'!?"  # class i is ALPHABET[i]
VOCABULARY = len(ALPHABET)  # V
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_READABLE = {" ": "space", "\n": "newline"}  # names for the classes you cannot see
CHAR_NAMES = tuple(_READABLE.get(c, c) for c in ALPHABET)  # (V,) class and feature names


@dataclass(frozen=True)
class TextInfo:
    label: str
    description: str
    file: str  # in datasets/
    sequence_length: int  # T when data.sequence_length is 0


TEXT_SETS: dict[str, TextInfo] = {
    "text-next-char": TextInfo(
        "Text, next character (sequences)", "Windows of characters from Alice's Adventures in Wonderland "
        "(chapter I and the start of II): predict the next character. Test windows come from the end of the "
        "text, never seen in training.", "alice.txt", 32),
}


def normalize(raw: str) -> str:
    """Any text -> the characters of ALPHABET only, as the module docstring says."""
    text = "".join(c if c in _INDEX else " " for c in raw.lower().replace("\r\n", "\n"))
    text = re.sub(r" +", " ", text)
    text = re.sub(r" ([.,!?])", r"\1", text)  # "stupid)," -> "stupid ," -> "stupid,"
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n+", "\n", text).strip()


def encode(text: str) -> np.ndarray:
    """Normalised text -> (len,) int64 class ids. A character outside ALPHABET is refused."""
    unknown = sorted(set(text) - set(ALPHABET))
    if unknown:
        raise ValueError(f"characters {''.join(unknown)!r} are not in the alphabet {ALPHABET!r}; "
                         "pass the text through normalize() first")
    return np.array([_INDEX[c] for c in text], dtype=np.int64)


def decode(ids) -> str:
    """Class ids -> text."""
    return "".join(ALPHABET[int(i)] for i in ids)


def one_hot(ids: np.ndarray) -> np.ndarray:
    """(n, T) class ids -> (n, T·V) float32 rows, each step's V values together."""
    n, steps = ids.shape
    out = np.zeros((n, steps, VOCABULARY), dtype=np.float32)  # (n, T, V)
    np.put_along_axis(out, ids[:, :, None], 1.0, axis=2)
    return out.reshape(n, steps * VOCABULARY)


@cache
def read_text(name: str, folder: Path) -> np.ndarray:
    """Text set `name`'s file, normalised and encoded: (L,) int64 class ids (read-only)."""
    path = folder / TEXT_SETS[name].file
    ids = encode(normalize(path.read_text(encoding="utf-8")))
    ids.flags.writeable = False
    return ids


def text_windows(name: str, folder: Path, n: int, noise: float, train_fraction: float, length: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n windows of `length` characters (0: the set's own T), train ones from the text's first
    `train_fraction` and test ones from the rest -> (X_train, y_train, X_test, y_test) one-hot."""
    ids = read_text(name, folder)
    steps = length or TEXT_SETS[name].sequence_length
    cut = int(round(train_fraction * len(ids)))
    n_train = int(min(max(round(train_fraction * n), 1), n - 1))
    for part, size in (("training", cut), ("test", len(ids) - cut)):
        if size <= steps:
            raise SpecError(f"the text's {part} part has {size:,} characters, too few for windows of {steps} "
                            f"and a next character; use a shorter sequence length or a train fraction nearer "
                            "0.5", "data.sequence_length")
    train = _windows(ids[:cut], n_train, steps, noise, rng)
    test = _windows(ids[cut:], n - n_train, steps, noise, rng)
    return (*train, *test)


def _windows(ids: np.ndarray, n: int, steps: int, noise: float, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray]:
    """n windows of `ids` (each `steps` long, with the character after it) -> X (n, T·V), y (n,)."""
    starts = len(ids) - steps  # every window that has a next character inside `ids`
    start = rng.choice(starts, size=n, replace=n > starts)  # (n,)
    window = ids[start[:, None] + np.arange(steps)[None, :]]  # (n, T)
    if noise > 0:
        corrupt = rng.random(window.shape) < noise
        window = np.where(corrupt, rng.integers(0, VOCABULARY, window.shape), window)
    return one_hot(window), ids[start + steps]
