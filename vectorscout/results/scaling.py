"""Figures against size: curves fitted to one engine setting measured at several sizes, each checked by
predicting the largest measured size from the smaller ones before it is trusted beyond them.

A ladder is every run of one engine setting (engine, what ran, index, build and search parameters) on one
family of data (the same dataset spec apart from its size) at three or more sizes. Per figure a small set of
models is tried, each a straight line after a transform of n and of the figure:

- ``power``: log y = a + b log n (QPS, the only model for it; build time, latency once the index outgrows the
  CPU caches);
- ``log``: y = a + b log n (HNSW latency grows with the graph's depth; recall at a fixed search effort decays);
- ``capped_log``: y = 1 up to a size n0, then 1 + b log(n / n0) (recall at a fixed search effort: a small index is
  searched whole and recall sits at its ceiling of 1, then falls by about the same amount per doubling; a plain line
  through points pinned at 1 is pulled flat by them and overstates recall further out, measured here on both HNSW
  ladders, Chroma and hnswlib). The knee n0 is found by search; for a figure that never sits at 1 it lies below the
  smallest size and the model is the plain line;
- ``linear``: y = a + b n (memory: fixed start-up plus bytes per vector).

With four or more sizes the model with the smallest leave-one-out error is kept (and the text says by how
much); with three, the figure's first model, which is the one its index theory predicts. The held-out check
makes the same choice over the smaller sizes alone, so the size it predicts has no say in the model that
predicts it. Intervals are 95 % prediction intervals of the straight line (Student's t over the residuals),
transformed back, so they widen the further a prediction reaches; the knee model's is the line's through the
sizes past its knee, judged by their residuals alone (measured recall cannot pass 1, so a residual at the
ceiling says nothing of the noise); with fewer than three sizes past the knee it has none. In a simulation it
held a new measurement 94 % of the time for a nominal 95 %, clipped at 1 or not. Beyond LONG_EXTRAPOLATION
times the largest measured size a prediction is marked as a long extrapolation whatever its interval says.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from scipy import stats

from vectorscout.results.analysis import engine_label, engine_memory_mb
from vectorscout.results.records import ResultRow, Run

LONG_EXTRAPOLATION = 20.0  # a prediction past this multiple of the largest measured size is called long
MIN_SIZES = 3  # distinct sizes a ladder needs: two fit a line exactly and leave nothing to check it with
CONFIDENCE = 0.95
BOUND_SLACK = 1e-9  # a line level at 1 (recall) may land a rounding error past it: not past its bound


@dataclass(frozen=True)
class Model:
    name: str
    formula: str  # in words a reader knows
    log_x: bool
    log_y: bool
    ceiling: float | None = None  # a value the figure cannot pass: held there up to a knee, falling past it


MODELS = {
    "power": Model("power", "c × n^b (a power law)", log_x=True, log_y=True),
    "log": Model("log", "a + b × log n", log_x=True, log_y=False),
    "capped_log": Model("capped_log", "1 up to a knee, then a + b × log n", log_x=True, log_y=False,
                        ceiling=1.0),
    "linear": Model("linear", "a + b × n", log_x=False, log_y=False),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    models: tuple[str, ...]  # candidates; the first is what the index's theory predicts
    absolute: bool = False  # errors in the figure's own units (recall), not relative to it
    read: Callable[[ResultRow], float | None] = field(default=lambda row: None, compare=False)


def _memory_bytes(row: ResultRow) -> float | None:
    held = engine_memory_mb(row)
    return None if held is None else held * 2**20


def _build_s(row: ResultRow) -> float | None:
    if row.insert_s is None and row.index_s is None:
        return None
    return (row.insert_s or 0.0) + (row.index_s or 0.0)


FIGURES: tuple[Figure, ...] = (
    # recall at a fixed search effort decays about evenly per doubling of n; a line in n would reach 0 within a
    # few decades of any ladder, which no index does, so it is not a candidate
    # the knee model is a candidate, not the default: it cannot hold level below 1 (a quantised index's recall
    # may), and with three sizes there is no leave-one-out error to tell the two apart
    Figure("recall", "Recall at the ladder's setting", "", ("log", "capped_log"), absolute=True,
           read=lambda r: r.recall),
    Figure("p50_ms", "p50 latency", "ms", ("log", "power"), read=lambda r: r.latency_p50_ms),
    Figure("p95_ms", "p95 latency", "ms", ("log", "power"), read=lambda r: r.latency_p95_ms),
    # QPS by the power law alone: positive at every size. A line in log n reaches 0 a few doublings out (Qdrant's
    # edge engine's ladder: below 0 by 2M vectors, priced as one node for throughput at 1B), and a latency that
    # grows as log n gives a QPS that falls more slowly than any power, so the power law errs towards more nodes
    Figure("qps", "QPS, one client", "queries/s", ("power",), read=lambda r: r.qps),
    # graph indexes build in about n log n (a power a little above 1); lists train once, then add in about n
    Figure("build_s", "Insert and index build", "s", ("power", "linear"), read=_build_s),
    Figure("memory_bytes", "Engine memory", "bytes", ("linear", "power"), read=_memory_bytes),
)
FIGURE = {f.key: f for f in FIGURES}


# -- one straight line and its prediction interval ----------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """y' = a + b x' in the model's transformed units, with what a prediction interval needs."""

    model: Model
    a: float
    b: float
    points: int
    mean_x: float
    sxx: float
    residual_sd: float | None  # None with two points: a line through them has no residuals to judge it by
    # a capped model's x' where it leaves its ceiling; a is then the ceiling, not fitted, and points, mean_x, sxx
    # and residual_sd are those of the points past the knee
    knee: float | None = None

    def _x(self, n: float) -> float:
        x = math.log(n) if self.model.log_x else float(n)
        return x if self.knee is None else max(0.0, x - self.knee)

    def _back(self, y: float) -> float:
        return math.exp(y) if self.model.log_y else y

    def predict(self, n: float) -> float:
        return self._back(self.a + self.b * self._x(n))

    def interval(self, n: float) -> tuple[float, float] | None:
        """The 95 % prediction interval at n (low, high), None when the fit has no residual degrees of freedom."""
        if self.residual_sd is None:
            return None
        x = self._x(n)
        spread = self.residual_sd * math.sqrt(1 + 1 / self.points + (x - self.mean_x) ** 2 / self.sxx)
        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, self.points - 2)) * spread
        centre = self.a + self.b * x
        return self._back(centre - half), self._back(centre + half)


class FitError(ValueError):
    """Points a model cannot be fitted to (fewer than two sizes, or values its transform cannot take)."""


def fit_line(model: Model, points: Sequence[tuple[float, float]]) -> Line:
    """Least squares in the model's units. Raises FitError on fewer than two distinct sizes or a log of <= 0."""
    if len({n for n, _ in points}) < 2:
        raise FitError("two distinct sizes at least are needed")
    if any(n <= 0 for n, _ in points) or (model.log_y and any(y <= 0 for _, y in points)):
        raise FitError(f"{model.name}: sizes{' and values' if model.log_y else ''} must be above 0")
    xs = [math.log(n) if model.log_x else float(n) for n, _ in points]
    ys = [math.log(y) if model.log_y else float(y) for _, y in points]
    if model.ceiling is not None:
        return _fit_capped(model, model.ceiling, xs, ys)
    a, b, mean_x, sxx = _least_squares(xs, ys)
    dof = len(points) - 2
    residual_sd = math.sqrt(sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / dof) if dof > 0 else None
    return Line(model, a, b, len(points), mean_x, sxx, residual_sd)


def _least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float, float]:
    """The straight line y = a + b x through the points: (a, b, the mean of x, the sum of squares of x about it)."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    return mean_y - b * mean_x, b, mean_x, sxx


KNEE_STEPS = 2000  # knees tried between far below the smallest size and the largest


def _fit_capped(model: Model, ceiling: float, xs: list[float], ys: list[float]) -> Line:
    """Least squares of y = ceiling + b × max(0, x − knee). For a given knee b is a slope through the
    origin; the knee is searched over a grid reaching four spans below the smallest x, plus the knee of the plain
    line where that line falls through the ceiling before the smallest x (so this model fits at least as well)."""
    low, span = min(xs), max(xs) - min(xs)  # span > 0: fit_line has seen two distinct sizes
    knees = [low - 4 * span + 5 * span * i / KNEE_STEPS for i in range(KNEE_STEPS + 1)]
    intercept, slope, _, _ = _least_squares(xs, ys)
    if slope < 0 and intercept + slope * low <= ceiling:
        knees.append((ceiling - intercept) / slope)
    best: tuple[float, float, float] | None = None  # squared error, knee, slope
    for knee in knees:
        hs = [max(0.0, x - knee) for x in xs]
        shh = sum(h * h for h in hs)
        if shh == 0:
            continue
        b = sum(h * (y - ceiling) for h, y in zip(hs, ys)) / shh  # never above 0: no y is above the ceiling
        sse = sum((y - ceiling - b * h) ** 2 for h, y in zip(hs, ys))
        if best is None or sse < best[0] - 1e-15:
            best = (sse, knee, b)
    assert best is not None  # the lowest knee lies below every x
    _, knee, b = best
    # Past the knee the model is a line whose intercept sets the knee: its interval is an ordinary line's through
    # those points, so the knee's own uncertainty widens it (a line fixed at the ceiling, the knee taken as known,
    # gave an interval about half as wide at 100M on hnswlib's ladder). Its residuals are theirs alone: a value
    # measured at the ceiling cannot pass it, so its residual is no measure of the noise (Qdrant's ladder, at 1.000
    # three times, gave an interval 0.002 wide at 1B vectors when they counted)
    past = [(x - knee, y) for x, y in zip(xs, ys) if x > knee]
    dof = len(past) - 2  # their slope and their intercept, the knee
    residual_sd = math.sqrt(sum((y - ceiling - b * h) ** 2 for h, y in past) / dof) if dof > 0 else None
    mean_past = statistics.fmean(h for h, _ in past)
    sxx_past = sum((h - mean_past) ** 2 for h, _ in past)  # a slope through them is b already: only x's spread
    return Line(model, ceiling, b, len(past), mean_past, sxx_past, residual_sd, knee)


def error_of(figure: Figure, predicted: float, measured: float) -> float:
    """How far a prediction is off: in the figure's units for recall, else relative to the measured value."""
    if figure.absolute:
        return abs(predicted - measured)
    return abs(predicted - measured) / abs(measured) if measured else math.inf


def figure_text(figure: Figure, value: float) -> str:
    """A figure's value as a person reads it: recall to 3 decimals, memory in GiB, else 3 significant digits."""
    if figure.key == "recall":
        return f"{value:.3f}"
    if figure.key == "memory_bytes":
        return f"{value / 2**30:,.3g} GiB"
    return f"{value:,.3g} {figure.unit}".strip()


def describe_error(figure: Figure, error: float) -> str:
    return f"{error:.3f}" if figure.absolute else f"{error:.0%}"


def leave_one_out_error(figure: Figure, model: Model, points: Sequence[tuple[float, float]]) -> float | None:
    """Mean error predicting each size from the others (None when a fold leaves fewer than two sizes)."""
    sizes = sorted({n for n, _ in points})
    errors: list[float] = []
    for held in sizes:
        kept = [p for p in points if p[0] != held]
        try:
            line = fit_line(model, kept)
        except FitError:
            return None
        errors.extend(error_of(figure, line.predict(n), y) for n, y in points if n == held)
    return statistics.fmean(errors) if errors else None


# -- a figure's curve -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeldOutCheck:
    """The curve fitted without the largest size, asked for it: the error a reader can expect of the curve."""

    size: int
    predicted: float
    measured: float
    error: float  # relative, or in the figure's units for recall
    interval: tuple[float, float] | None
    inside: bool | None  # the measured value inside the interval of the fit without it (None: no interval)
    model: str = ""  # the model the smaller sizes chose (MODELS key); it may differ from the curve's


@dataclass(frozen=True)
class Prediction:
    n: int
    value: float
    interval: tuple[float, float] | None
    times_largest: float  # n over the largest measured size
    long: bool  # beyond LONG_EXTRAPOLATION times the largest measured size
    bound: float | None = None  # the figure's bound (0, or 1 for recall) the curve is past at n; value is then it

    @property
    def reach(self) -> str:
        if self.times_largest <= 1:
            words = "within the measured sizes"
        else:
            words = f"{self.times_largest:,.0f}× the largest size measured"
            words = f"long extrapolation: {words}" if self.long else f"extrapolated {words}"
        if self.bound is not None:
            words += f"; the curve is past {self.bound:g} here, so {self.bound:g} is a bound, not a prediction"
        return words


@dataclass(frozen=True)
class Curve:
    figure: Figure
    line: Line
    why: str  # why this model: the leave-one-out comparison, or the figure's default
    sizes: tuple[int, ...]
    points: tuple[tuple[int, float], ...]
    check: HeldOutCheck | None

    def at(self, n: int) -> Prediction:
        low_high = self.line.interval(n)
        # every figure is 0 or more (recall at most 1): a straight line and its interval may reach past either.
        # Past a bound the value is the bound and there is no interval: "0.000 (0.000–0.000)" would claim a
        # certainty the line, which fell through 0 (LanceDB's recall at 1B), does not have
        top = 1.0 if self.figure.key == "recall" else math.inf
        raw = self.line.predict(n)
        bound = top if raw > top + BOUND_SLACK else 0.0 if raw < -BOUND_SLACK else None
        value = min(top, max(0.0, raw))
        if bound is not None:
            low_high = None
        elif low_high is not None:
            low_high = (min(top, max(0.0, low_high[0])), min(top, max(0.0, low_high[1])))
        times = n / max(self.sizes)
        return Prediction(n, value, low_high, times, times > LONG_EXTRAPOLATION, bound)


def _choose_model(figure: Figure, points: Sequence[tuple[int, float]]) -> tuple[Model, str] | None:
    """The model for these points and why: the smallest leave-one-out error with four sizes or more, else the
    figure's first model; None when no model can take the values (a log of 0)."""
    sizes = {n for n, _ in points}
    usable = [MODELS[name] for name in figure.models
              if not (MODELS[name].log_y and any(y <= 0 for _, y in points))]
    if not usable:
        return None
    chosen = usable[0]
    why = (f"{chosen.formula}: the only model for this figure" if len(usable) == 1 else
           f"{chosen.formula}: the default for this figure ({len(sizes)} sizes are too few to choose between models)")
    if len(sizes) >= 4 and len(usable) > 1:
        scored = [(leave_one_out_error(figure, m, points), m) for m in usable]
        ranked = sorted(((e, m) for e, m in scored if e is not None), key=lambda pair: pair[0])
        if ranked:
            chosen = ranked[0][1]
            others = "; ".join(f"{m.formula} {describe_error(figure, e)}" for e, m in ranked[1:])
            why = (f"{chosen.formula}: leave-one-out error {describe_error(figure, ranked[0][0])}"
                   + (f" (against {others})" if others else ""))
    return chosen, why


def fit_curve(figure: Figure, points: Sequence[tuple[int, float]]) -> Curve | None:
    """The figure's curve over points measured at MIN_SIZES or more sizes; None when there are fewer."""
    sizes = tuple(sorted({n for n, _ in points}))
    choice = _choose_model(figure, points) if len(sizes) >= MIN_SIZES else None
    if choice is None:
        return None
    chosen, why = choice
    line = fit_line(chosen, points)
    return Curve(figure, line, why, sizes, tuple(sorted(points)), _held_out(figure, points, sizes))


def _held_out(figure: Figure, points: Sequence[tuple[int, float]], sizes: tuple[int, ...]) -> HeldOutCheck | None:
    largest = sizes[-1]
    kept = [p for p in points if p[0] != largest]
    measured = statistics.median(y for n, y in points if n == largest)
    choice = _choose_model(figure, kept)  # chosen without the size it is asked for
    if choice is None:
        return None
    try:
        line = fit_line(choice[0], kept)
    except FitError:
        return None
    predicted = line.predict(largest)
    interval = line.interval(largest)
    inside = None if interval is None else interval[0] <= measured <= interval[1]
    return HeldOutCheck(largest, predicted, measured, error_of(figure, predicted, measured), interval, inside,
                        choice[0].name)


# -- ladders out of stored runs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LadderKey:
    engine: str
    product: str  # what ran, as a reader knows it (Milvus Lite and Milvus are two ladders)
    deployment: str  # embedded or server (a server adds its own layers to every figure)
    index: str
    build: str  # the build parameters, as text
    search: str  # the search parameters, as text
    dim: int
    family: str  # the dataset spec without its size

    @property
    def setting(self) -> str:
        params = ", ".join(p for p in (self.build, self.search) if p)
        return f"{self.index} ({params})" if params else self.index


@dataclass
class Ladder:
    key: LadderKey
    run_ids: list[str]
    rows: list[tuple[int, ResultRow]]  # (vectors, row)
    curves: dict[str, Curve]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(sorted({n for n, _ in self.rows}))

    @property
    def label(self) -> str:
        where = f" ({self.key.deployment})" if self.key.deployment else ""
        return (f"{self.key.product}{where}, {self.key.setting}, {self.key.dim} dimensions, "
                f"{self.sizes[0]:,}–{self.sizes[-1]:,} vectors ({len(self.sizes)} sizes)")


def family_of(spec: str) -> str | None:
    """The dataset spec without its size (``synthetic:dim=768,...``); None when the spec does not give a size,
    so runs of one imported dataset never pass for a ladder."""
    name, _, rest = spec.partition(":")
    options = [part for part in rest.split(",") if part]
    if not any(part.startswith("n=") for part in options):
        return None
    return name + ":" + ",".join(part for part in options if not part.startswith("n="))


def _params(values: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def ladders(runs: Iterable[Run]) -> list[Ladder]:
    """Every setting the runs measured at MIN_SIZES or more sizes of one data family, with its curves.
    Serial, unfiltered, successful rows only: concurrency, filters and streams are other experiments."""
    grouped: dict[LadderKey, Ladder] = {}
    for run in runs:
        family = family_of(run.dataset.spec)
        if family is None or not run.dataset.n:
            continue
        for row in run.results:
            if row.status != "ok" or row.filter or row.concurrency != 1 or row.streaming or row.hybrid or row.tuning:
                continue
            key = LadderKey(row.engine, engine_label(row), row.deployment, row.index, _params(row.build_params),
                            _params(row.search_params), run.dataset.dim, family)
            ladder = grouped.setdefault(key, Ladder(key, [], [], {}))
            ladder.rows.append((run.dataset.n, row))
            if run.run_id not in ladder.run_ids:
                ladder.run_ids.append(run.run_id)
    found = []
    for ladder in grouped.values():
        if len(ladder.sizes) < MIN_SIZES:
            continue
        for figure in FIGURES:
            points = [(n, value) for n, row in ladder.rows if (value := figure.read(row)) is not None]
            curve = fit_curve(figure, points)
            if curve is not None:
                ladder.curves[figure.key] = curve
        found.append(ladder)
    return sorted(found, key=lambda ladder: (ladder.key.engine, ladder.key.setting, ladder.key.dim))


def ladder_for(found: Iterable[Ladder], engine: str, index: str, build: dict[str, object]) -> Ladder | None:
    """The ladder that best stands for an engine's estimate: the same index build if one was laddered, else the
    same index type; of those the one with the most sizes, then the largest."""
    candidates = [ladder for ladder in found if ladder.key.engine == engine and ladder.key.index == index
                  and "qps" in ladder.curves]
    if not candidates:
        return None
    same_build = [ladder for ladder in candidates if ladder.key.build == _params(build)]
    return max(same_build or candidates, key=lambda ladder: (len(ladder.sizes), ladder.sizes[-1]))
