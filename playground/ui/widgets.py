"""One Param -> one widget: the right input for its type, its bounds, and help text from
the schema, so every control explains itself the same way the CLI and the spec do."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..core import catalog
from ..core.params import Param, SpecError
from ..core.server_share import SHARE
from . import locks, state

NUMBER_FORMAT = "%.6g"  # 0.03, 0.001, 1e-08 and 0.999 all read as typed


def title(param: Param) -> str:
    """The label: first letter capitalised, except a symbol ("β₁", "ε", "γ" stay lower case:
    upper-cased, α and ε read as the Latin A and E)."""
    text = param.title
    return text[0].upper() + text[1:] if text and text[0].isascii() else text


def help_text(param: Param) -> str:
    bounds = param.bounds_text() if param.kind in (int, float) else ""
    return f"{param.help}  \nAllowed: {bounds}." if bounds else param.help


def options_help(intro: str, table: Mapping[str, catalog.Option]) -> str:
    """Help for a menu of catalog options: one line per option, with its formula."""
    lines = [intro, ""]
    for option in table.values():
        formula = f" `{option.formula}`" if option.formula else ""
        lines.append(f"- **{option.label}**: {option.description}{formula}")
    return "\n".join(lines)


def describe_option(option: catalog.Option) -> str:
    """The chosen option's description and formula, for a caption under its menu."""
    return f"{option.description}" + (f"  \n`{option.formula}`" if option.formula else "")


def float_step(param: Param) -> float:
    """A step that moves the value by a sensible amount: by its own order of magnitude for
    log-scale settings (0.03 -> 0.01, 1e-8 -> 1e-8), else by 0.01 or finer if the default needs it."""
    default = float(param.default)
    if param.log and default > 0:
        return 10.0 ** math.floor(math.log10(default))
    span = (param.high or 1.0) - (param.low or 0.0)
    step = 0.01 if span <= 1.0 else 0.1
    text = f"{default:.10f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return min(step, 10.0 ** -decimals) if decimals else step


KEEP = "session"  # persist_state of every setting: kept while hidden, and across pages
IN_USE = "settings_in_use"  # session-state key: {widget key: the value the current run uses}
PROBLEMS = "field_problems"  # session-state key: {widget key: message shown under it this run}


def param_widget(param: Param, key: str, *, label: str | None = None, step: float | None = None,
                 help: str | None = None, persist_state: str | None = KEEP, explain_in: Any = None,
                 **kwargs: Any) -> Any:
    """Draw the widget for `param` under `key` (its value kept in session state) and return it.

    Numbers are not bounded by the widget: Streamlit's min/max only turn a field red (the
    reason on hover) and keep using the old value. Any number is accepted, and one out of the
    Param's range gets a message right under the field (or in `explain_in`, a container under
    a row of fields) naming the range and the value in use.
    """
    ss = st.session_state
    if key not in ss:
        ss[key] = list(param.default) if param.kind is tuple else param.default
    label = label or title(param)
    field = state.field_of(key)
    help = locks.help_for(field, help or help_text(param))
    kwargs["persist_state"] = persist_state
    kwargs["disabled"] = kwargs.get("disabled", False) or locks.locked(field)
    if param.kind is bool:
        return st.toggle(label, key=key, help=help, **kwargs)
    if param.choices is not None:
        return st.selectbox(label, param.choices, key=key, help=help, **kwargs)
    if param.kind is int:
        if type(ss[key]) is not int:
            ss[key] = int(ss[key])
        value = st.number_input(label, step=int(step or 1), key=key, help=help, **kwargs)
    elif param.kind is float:
        if type(ss[key]) is not float:
            ss[key] = float(ss[key])
        value = st.number_input(label, step=float(step or float_step(param)), format=NUMBER_FORMAT, key=key,
                                help=help, **kwargs)
    else:
        return st.text_input(label, key=key, help=help, **kwargs)
    _explain_range(param, key, label, value, explain_in or st)
    return value


def _explain_range(param: Param, key: str, label: str, value: Any, where: Any) -> None:
    """Under a number field: what is wrong with its value and which value is used instead."""
    problems = st.session_state.setdefault(PROBLEMS, {})
    try:
        param.validate(value)
    except SpecError as e:
        message = f"**{label}**: {e.errors[0][1]}."
        in_use = st.session_state.get(IN_USE, {}).get(key)
        if in_use is not None and in_use != value:
            message += f" Training uses **{in_use:g}** until it is fixed."
        problems[key] = message
        where.error(message, icon=":material/error:")
    else:
        problems.pop(key, None)


def clear_field_problems() -> None:
    """Start a run's record of the fields that explained their own problem (call before drawing)."""
    st.session_state[PROBLEMS] = {}


def field_problems() -> dict[str, str]:
    """{widget key: message} for the number fields that showed a problem this run."""
    return st.session_state.get(PROBLEMS, {})


def in_fragment_run() -> bool:
    """Whether this script run redraws fragments only (a timed redraw), not the whole page."""
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def full_run_only(callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap the callback of a button drawn outside every fragment, so one click acts once.

    Seen in a real browser with Streamlit 1.67: while live fragments redraw, a click on a
    button outside them can reach the server twice, first with a fragment rerun that was
    on its way, then with the full rerun the click asked for (Pause, then an immediate
    resume). Such a button's own clicks always come with a full rerun, so a call during a
    fragment rerun is that echo and is skipped. (A widget with a value is different: its
    change can come first with the fragment rerun and then look unchanged to the full one,
    so its callback may never run. The preset menu and the network type are therefore acted
    on by comparing with what the last full run drew (sidebar.py's picks); the freeze toggle
    keeps this wrapper because the view freezes by itself where its callback was lost:
    panels._shown.)
    """
    def run(*args: Any, **kwargs: Any) -> None:
        if in_fragment_run():
            return
        callback(*args, **kwargs)
    return run


def show_errors(errors: list[tuple[str, str]]) -> None:
    """Each (field, message) as an error box that names the field."""
    for field, message in errors:
        st.error(f"**{field}**: {message}" if field else message, icon=":material/error:")


def split_errors(error: SpecError, prefixes: Mapping[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Route each (field, message) to the first slot whose prefix the field starts with."""
    routed: dict[str, list[tuple[str, str]]] = {slot: [] for slot in prefixes.values()}
    fallback = list(prefixes.values())[-1]
    for field, message in error.errors:
        slot = next((s for p, s in prefixes.items() if field.startswith(p)), fallback)
        routed[slot].append((field, message))
    return routed


# --------------------------------------------------------------------------- training speed

SPEEDS: dict[str, float | None] = {"slow": 2.0, "medium": 10.0, "fast": 40.0, "max": None}  # epochs a second
SPEED_LABELS = {"slow": "Slow", "medium": "Medium", "fast": "Fast", "max": "Max"}
DEFAULT_SPEED = "fast"  # the TF default run then takes ~5 s: the boundary visibly forms (flat out: ~1.5 s)


def speed_control(key: str, runner: Any, **widget_kwargs: Any) -> None:
    """A compact Slow / Medium / Fast / Max menu of how fast training runs, applied to `runner` (a
    Runner or RaceRunner, or None) at once. Slow runs are for watching: the curves and the
    decision boundary move while the network learns instead of jumping to the end."""
    st.session_state.setdefault(key, DEFAULT_SPEED)
    paces = ", ".join(f"{SPEED_LABELS[k]} {v:g}" for k, v in SPEEDS.items() if v)
    choice = st.selectbox(
        "Speed", list(SPEEDS), format_func=lambda k: f"Speed: {SPEED_LABELS[k]}", key=key,
        label_visibility="collapsed", width=150,
        help=f"How fast training runs, in epochs a second: {paces}; Max as fast as this machine goes "
             "(hundreds on a small network). Slower is easier to follow. Step is never slowed.",
        **widget_kwargs)
    if runner is not None and runner.pace != SPEEDS[choice]:
        runner.set_pace(SPEEDS[choice])


def queue_message(place: int) -> str:
    """What a run waiting for the server (server_share.Admission) is told, with its place."""
    ahead = "it is next" if place == 1 else f"{place - 1} run{'s' * (place > 2)} ahead of it"
    return (f"**The server is busy:** {SHARE.admission.limit} runs are training on it, the most it takes at "
            f"once. Your run is queued ({ahead}) and starts on its own when one pauses or ends; "
            f"your settings and charts stay as they are.")


def step_and_settle(runner: Any, step_size_key: str, timeout: float = 5.0) -> None:
    """Step button: one batch or one epoch (as chosen under `step_size_key`), then wait until
    the steps, their record and their pictures are done (the thread draws them before it
    settles), so the page drawn right after shows where the step led."""
    batches = runner.steps_per_epoch if st.session_state.get(step_size_key) == "epoch" else 1
    runner.step(batches)
    runner.wait_until_settled(timeout)
