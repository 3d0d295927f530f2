"""The engine never imports streamlit: only app.py and playground/ui/ may."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "playground"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def engine_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]


def test_no_engine_module_imports_streamlit():
    files = engine_files()
    assert len(files) >= 10  # the scan really sees the engine
    offenders = [str(p.relative_to(PACKAGE)) for p in files if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_importing_the_whole_engine_loads_no_streamlit():
    modules = sorted({
        "playground." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for p in engine_files() if p.name != "__main__.py"
    })
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def attributes_read(path: Path) -> set[str]:
    """Every `x.name` attribute the module's code reads or calls."""
    return {node.attr for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
            if isinstance(node, ast.Attribute)}


def test_the_pages_read_runs_through_snapshots_not_trainer_internals():
    """The pages see a run through Runner/RaceRunner commands and their snapshot() only; a
    trainer's attributes (its module, optimizer, history) belong to the engine, so a new model
    family can change them without touching the pages."""
    ui_files = [p for p in PACKAGE.rglob("*.py") if "ui" in p.relative_to(PACKAGE).parts]
    assert len(ui_files) >= 10
    internals = {"trainer", "trainers", "_job", "probe", "dense"}  # runner.trainer and what hangs off it
    offenders = {str(p.relative_to(PACKAGE)): sorted(attributes_read(p) & internals) for p in ui_files}
    assert {name: attrs for name, attrs in offenders.items() if attrs} == {}


def test_the_cli_commands_share_common_and_never_import_each_other():
    """cli/train.py and cli/lab.py each take what they share from cli/common.py: no import loop
    between the commands (cli_lab.py once imported cli.py, which imported it)."""
    def relative_imports(path: Path) -> set[str]:
        return {node.module or "" for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.level == 1}

    commands = {name: relative_imports(PACKAGE / "cli" / f"{name}.py") for name in ("train", "lab", "common")}
    assert "common" in commands["train"] and "common" in commands["lab"]
    assert not commands["train"] & {"lab"} and not commands["lab"] & {"train"} and not commands["common"]
