"""Settings a teacher's link locks, so that students explore one thing.

    ?preset=circle&lock=all&free=train.optimizer.lr     everything but the learning rate
    ?lock=data,model                                      the data and the network; training is free

`lock` and `free` are comma-separated spec prefixes ("data", "model.layers", "train.optimizer.lr";
"all" for every setting); a field is locked when a `lock` prefix covers it and no `free` one does.
Locked controls are drawn disabled, their help saying why; so is the preset menu (a preset would
change locked settings). The address keeps both parameters, so the link passes on as it came.
"""

from __future__ import annotations

import streamlit as st

from .share import SECTIONS

LOCKS = "locks"  # session-state key: (locked prefixes, free prefixes)
WHY = "Locked by the teacher's link, so that this class explores the other settings."


def from_link() -> list[tuple[str, str]]:
    """Read `lock` and `free` from the address (once, as the page first opens); returns problems
    (field, message) for prefixes that name no setting."""
    params = st.query_params
    problems = []
    parsed = []
    for name in ("lock", "free"):
        prefixes = [p.strip() for p in params.get(name, "").split(",") if p.strip()]
        unknown = [p for p in prefixes if p != "all" and p.split(".")[0] not in SECTIONS]
        if unknown:
            problems.append((name, f"{', '.join(unknown)} names no setting; give spec prefixes such as data, "
                                   "model.layers or train.optimizer.lr, or all"))
        parsed.append(tuple(p for p in prefixes if p not in unknown))
    st.session_state[LOCKS] = tuple(parsed)
    return problems


def _covers(prefixes: tuple[str, ...], field: str) -> bool:
    return any(p == "all" or field == p or field.startswith(p + ".") for p in prefixes)


def locked(field: str) -> bool:
    """Whether the spec field (as state.field_of names it) is locked."""
    lock, free = st.session_state.get(LOCKS, ((), ()))
    return bool(field) and _covers(lock, field) and not _covers(free, field)


def any_locked() -> bool:
    return bool(st.session_state.get(LOCKS, ((), ()))[0])


def help_for(field: str, help: str | None) -> str | None:
    """A control's help, with why it is locked when it is."""
    return f"{WHY}\n\n{help or ''}".strip() if locked(field) else help


def link_params() -> dict[str, str | None]:
    """The address parameters that carry the locks on (None: none)."""
    lock, free = st.session_state.get(LOCKS, ((), ()))
    return {"lock": ",".join(lock) or None, "free": ",".join(free) or None}
