"""2-D optimisation test functions, for watching optimizers walk a known surface (paths.py).

Each function takes xy of shape (2, ...) (a point (2,) or a grid (2, H, W)) and returns f of
shape (...), in torch, so the optimizers differentiate the real thing. A TestFunction also
carries what a chart needs: a formula, a plot domain, the known minima (and saddle points),
a start point that shows something, and learning rates that suit each optimizer there
(catalog defaults are tuned for networks: SGD at 0.1 leaves Rosenbrock in one step).

    rosenbrock    a curved narrow valley; minimum 0 at (1, 1)
    beale         flat plateaus and sharp ridges; minimum 0 at (3, 0.5)
    himmelblau    four minima, all 0
    rastrigin     a bowl covered in local minima; global minimum 0 at (0, 0)
    saddle        x² - y²: no minimum, a saddle point at (0, 0)
    quadratic     0.5·(x² + κ·y²): a bowl with condition number κ (quadratic:kappa=50)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from ..core.params import SpecError

Point = tuple[float, float]

# A start point may lie up to one plot width beyond each edge of the plot: the window widened to
# three times its size about its centre. Further out a path starts off the plot, and far out the
# start itself overflows float32 (Rosenbrock at x = 1e10 is 1e42): the path would have no point.
START_REACH = 1.0  # plot widths beyond each edge


@dataclass(frozen=True)
class TestFunction:
    __test__ = False  # not a pytest test class

    name: str
    label: str
    formula: str
    fn: Callable[[torch.Tensor], torch.Tensor] = field(repr=False, compare=False)
    domain: tuple[Point, Point]  # ((x_min, x_max), (y_min, y_max)) of the plot
    minima: tuple[Point, ...]
    start: Point
    description: str = ""
    saddles: tuple[Point, ...] = ()
    log_scale: bool = False  # contour levels on a log scale (huge range of values)
    lr: Mapping[str, float] = field(default_factory=dict)  # suggested learning rate per optimizer or alias
    lipschitz: float | None = None  # gradient Lipschitz constant, where it is global (quadratic)

    def __call__(self, xy: torch.Tensor) -> torch.Tensor:
        return self.fn(xy)

    def value(self, x: float, y: float) -> float:
        return float(self.fn(torch.tensor([x, y], dtype=torch.float64)))

    def grid(self, resolution: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (R,), ys (R,), f (R, R) with row = y, over the plot domain."""
        (x0, x1), (y0, y1) = self.domain
        xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
        xx, yy = np.meshgrid(xs, ys)
        with torch.no_grad():
            z = self.fn(torch.as_tensor(np.stack([xx, yy]), dtype=torch.float64)).numpy()
        return xs, ys, z

    @property
    def start_bounds(self) -> tuple[Point, Point]:
        """((x_min, x_max), (y_min, y_max)) a start point may take (START_REACH beyond the plot)."""
        (x0, x1), (y0, y1) = self.domain
        dx, dy = START_REACH * (x1 - x0), START_REACH * (y1 - y0)
        return (x0 - dx, x1 + dx), (y0 - dy, y1 + dy)

    def start_range_text(self) -> str:
        """'x between -6 and 6 and y between -5 and 7', for messages and help."""
        (x0, x1), (y0, y1) = self.start_bounds
        return f"x between {x0:g} and {x1:g} and y between {y0:g} and {y1:g}"

    @property
    def defaults(self) -> dict[str, dict[str, float]]:
        """Per-optimizer settings for race.parse_contestants(defaults=...)."""
        return {name: {"lr": lr} for name, lr in self.lr.items()}


def _rosenbrock(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _beale(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def _himmelblau(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _rastrigin(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return 20 + x * x - 10 * torch.cos(2 * math.pi * x) + y * y - 10 * torch.cos(2 * math.pi * y)


def _saddle(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return x * x - y * y


def quadratic(kappa: float = 10.0) -> TestFunction:
    """0.5·(x² + κ·y²): gradient descent converges for lr < 2/L with L = max(1, κ)."""
    if not (math.isfinite(kappa) and 0 < kappa <= 1e4):
        raise SpecError(f"{kappa:g} is out of range; kappa must be between 0 (exclusive) and 10000", "kappa")

    def fn(xy: torch.Tensor) -> torch.Tensor:
        return 0.5 * (xy[0] ** 2 + kappa * xy[1] ** 2)

    lipschitz = max(1.0, kappa)
    return TestFunction(
        "quadratic", f"Quadratic bowl (κ = {kappa:g})", "f = ½·(x² + κ·y²)", fn, ((-3.0, 3.0), (-3.0, 3.0)),
        ((0.0, 0.0),), (-2.5, 2.0),
        description=f"A bowl whose curvature along y is κ = {kappa:g} times that along x: gradient descent "
                    f"converges only for a learning rate below 2/{lipschitz:g} = {2 / lipschitz:.3g}, and "
                    "then crawls along the flat direction; momentum and Adam help.",
        lr={"sgd": 0.9 / lipschitz, "adam": 0.1, "adamw": 0.1, "rmsprop": 0.05, "adagrad": 0.5, "nadam": 0.1},
        lipschitz=lipschitz)


FUNCTIONS: dict[str, TestFunction] = {f.name: f for f in (
    TestFunction(
        "rosenbrock", "Rosenbrock", "f = (1 - x)² + 100·(y - x²)²", _rosenbrock, ((-2.0, 2.0), (-1.0, 3.0)),
        ((1.0, 1.0),), (-1.5, 2.5),
        description="A long, curved, narrow valley: finding it is easy, following it to (1, 1) is slow.",
        log_scale=True,
        lr={"sgd": 1e-3, "adam": 0.05, "adamw": 0.05, "rmsprop": 0.01, "adagrad": 0.5, "nadam": 0.05}),
    TestFunction(
        "beale", "Beale", "f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²", _beale,
        ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), (1.0, 1.5),
        description="Flat plateaus and steep ridges; the minimum at (3, 0.5) sits in a narrow bent valley.",
        log_scale=True,
        lr={"sgd": 0.01, "momentum": 0.001, "nesterov": 0.001, "adam": 0.05, "adamw": 0.05, "rmsprop": 0.01,
            "adagrad": 0.5, "nadam": 0.05}),
    TestFunction(
        "himmelblau", "Himmelblau", "f = (x² + y - 11)² + (x + y² - 7)²", _himmelblau, ((-5.0, 5.0), (-5.0, 5.0)),
        ((3.0, 2.0), (-2.805118086952745, 3.131312518250573), (-3.779310253377747, -3.283185991286170),
         (3.584428340330492, -1.848126526964404)), (-0.3, -0.9),
        description="Four minima of equal depth. Started near the central peak, which one an optimizer "
                    "reaches depends on how it moves.",
        log_scale=True,
        lr={"sgd": 0.005, "adam": 0.1, "adamw": 0.1, "rmsprop": 0.05, "adagrad": 0.5, "nadam": 0.1}),
    TestFunction(
        "rastrigin", "Rastrigin", "f = 20 + x² - 10·cos 2πx + y² - 10·cos 2πy", _rastrigin,
        ((-5.12, 5.12), (-5.12, 5.12)), ((0.0, 0.0),), (-2.7, 3.3),
        description="A bowl covered in local minima: most optimizers stop in the first dip they find.",
        lr={"sgd": 0.002, "adam": 0.05, "adamw": 0.05, "rmsprop": 0.01, "adagrad": 0.5, "nadam": 0.05}),
    TestFunction(
        "saddle", "Saddle", "f = x² - y²", _saddle, ((-2.0, 2.0), (-2.0, 2.0)), (), (1.5, 1e-3),
        description="No minimum: a saddle point at (0, 0). Started almost exactly on the ridge, plain "
                    "gradient descent creeps toward the saddle before it slides off; adaptive methods escape sooner.",
        saddles=((0.0, 0.0),),
        lr={"sgd": 0.01, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.005, "adagrad": 0.1, "nadam": 0.01}),
    quadratic(10.0),
)}


def get_function(text: str, field: str = "function") -> TestFunction:
    """"rosenbrock" or "quadratic:kappa=50" -> TestFunction; SpecError naming `field` if unknown."""
    name, colon, rest = str(text).strip().partition(":")
    if name not in FUNCTIONS:
        raise SpecError(f"{name!r} is not a test function; choose one of {', '.join(FUNCTIONS)}", field)
    settings = {}
    for item in filter(None, (s.strip() for s in rest.split(":"))) if colon else ():
        key, eq, value = item.partition("=")
        settings[key.strip()] = value.strip()
    if name != "quadratic":
        if settings:
            raise SpecError(f"{name} takes no settings (only quadratic takes kappa)", field)
        return FUNCTIONS[name]
    unknown = set(settings) - {"kappa"}
    if unknown:
        raise SpecError(f"unknown setting {sorted(unknown)[0]!r}; quadratic takes kappa", field)
    try:
        kappa = float(settings.get("kappa", 10.0))
    except ValueError:
        raise SpecError(f"kappa must be a number, got {settings['kappa']!r}", field) from None
    try:
        return quadratic(kappa)
    except SpecError as e:
        raise SpecError(e.errors[0][1], field) from None


def check_start(function: TestFunction, start, field: str = "start") -> Point:
    """(x, y) as floats inside function.start_bounds, else SpecError naming `field` and the range."""
    try:
        point = tuple(float(v) for v in start)
    except (TypeError, ValueError):
        point = ()
    if len(point) != 2 or not all(math.isfinite(v) for v in point):
        raise SpecError(f"{start!r} is not a point; give two finite numbers x,y", field)
    outside = [f"{axis} = {v:g}" for axis, v, (lo, hi) in zip("xy", point, function.start_bounds)
               if not lo <= v <= hi]
    if outside:
        verb = "is" if len(outside) == 1 else "are"
        raise SpecError(f"{' and '.join(outside)} {verb} out of range; a start on {function.name} needs "
                        f"{function.start_range_text()} (the plot window and one window width around it)", field)
    return point


def with_start(function: TestFunction, start: Point) -> TestFunction:
    return replace(function, start=(float(start[0]), float(start[1])))
