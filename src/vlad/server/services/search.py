"""Experiments that search (issue 14): Optuna's samplers choose each run's hyperparameters
and its pruners stop the runs clearly worse; the objective comes from the runs' metric files.

A search experiment keeps its request (`spec`: the base run, the search) and an Optuna study
of the same id. `server/searcher.py` drives it: it asks the study for trials while fewer
than `max_parallel` run and fewer than `max_trials` were asked, creates a run for each
(`models.trial` = the trial's number), reports each new row of the objective's graph to its
trial, prunes a run its pruner gives up on (stopped with the grace period: `pruned`), and
tells the study how each run ended. Everything it needs is in the platform's tables and the
study's storage, so a search goes on after a platform restart.

The study's storage (`study_storage`) is an Optuna RDB database beside the platform's own:
Optuna keeps its schema version in an Alembic table of the same name as the platform's
(`alembic_version`), so the two cannot share one database (the clash Optuna and MLflow
users meet). With SQLite it is `<data dir>/search.db`; `VLAD_SEARCH_STORAGE_URL` names
another (e.g. a PostgreSQL database `vlad_search`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState

from vlad.server.schemas.requests import SearchParam, SearchSpec
from vlad.server.services import graphs
from vlad.server.services.errors import Invalid, NotFound, field_error

log = logging.getLogger("vlad.search")
optuna.logging.set_verbosity(optuna.logging.WARNING)
DEFAULT_PARALLEL = 4
GRID_VALUES = 10  # a float range without a step, in a grid search: this many values


# -- the space ---------------------------------------------------------------------------------
def distribution(name: str, param: SearchParam) -> BaseDistribution:
    """Optuna's distribution for one parameter; Invalid naming `search.space.<name>`."""
    where = f"search.space.{name}"

    def refuse(problem: str, allowed: str) -> Invalid:
        return Invalid(f"{where}: {problem}", [field_error(where, problem, allowed)])

    if param.choices is not None:
        if param.type is not None or param.low is not None or param.high is not None:
            raise refuse("both choices and a range", "either {choices: [...]} or {type, low, high}")
        if len({repr(c) for c in param.choices}) != len(param.choices):
            raise refuse("a choice is listed twice", "distinct choices")
        if not all(c is None or isinstance(c, bool | int | float | str) for c in param.choices):
            raise refuse("a choice is not a number, string, boolean or null", "plain values")
        return CategoricalDistribution(param.choices)
    if param.type is None or param.low is None or param.high is None:
        raise refuse("neither choices nor a whole range", "{choices: [...]} or {type: float|int, low, high}")
    if not param.low <= param.high:
        raise refuse(f"low {param.low:g} is above high {param.high:g}", "low <= high")
    if param.log and param.low <= 0:
        raise refuse(f"a log scale from {param.low:g}", "low > 0 with log: true")
    if param.log and param.step is not None:
        raise refuse("both log and step", "one of them")
    if param.type == "int":
        if not (param.low.is_integer() and param.high.is_integer()):
            raise refuse("an int range with fractional bounds", "whole numbers")
        step = param.step or 1
        if not float(step).is_integer():
            raise refuse(f"an int step of {step:g}", "a whole number")
        return IntDistribution(int(param.low), int(param.high), log=param.log, step=int(step))
    return FloatDistribution(param.low, param.high, log=param.log, step=param.step)


def distributions(space: dict[str, SearchParam]) -> dict[str, BaseDistribution]:
    return {name: distribution(name, param) for name, param in space.items()}


def corners(space: dict[str, SearchParam]) -> list[tuple[str, dict[str, Any]]]:
    """Hyperparameter sets that bound every set the space can give: each parameter at each
    of its ends (or choices), the others at their first. A schema of ranges and enums that
    accepts these accepts every sampled set. Each with the parameter it tries."""
    ends = {name: _ends(distribution(name, p)) for name, p in space.items()}
    first = {name: values[0] for name, values in ends.items()}
    return [(name, {**first, name: value}) for name, values in ends.items() for value in values]


def _ends(dist: BaseDistribution) -> list[Any]:
    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    assert isinstance(dist, IntDistribution | FloatDistribution)
    return [dist.low] if dist.low == dist.high else [dist.low, dist.high]


def parse_metric(metric: str) -> tuple[str, str]:
    """`graph.column` -> (graph, column): the graph is the file's name without its extension,
    so the column is after the last dot."""
    graph, dot, column = metric.rpartition(".")
    if not dot or not graph or not column:
        raise Invalid(
            f"search.objective.metric {metric!r} is not graph.column",
            [field_error("search.objective.metric", metric, "graph.column, e.g. accuracy.val_accuracy")],
        )
    return graph, column


# -- Optuna's side -----------------------------------------------------------------------------
def study_storage(url: str) -> optuna.storages.RDBStorage:
    return optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})


def sampler(search: SearchSpec, asked: int) -> optuna.samplers.BaseSampler:
    """The search's sampler; its seed moves on with the trials asked (a sampler made again
    after a restart must not draw the first trials' values again)."""
    seed = None if search.seed is None else search.seed + asked
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search.sampler == "grid":
        return optuna.samplers.GridSampler(grid_values(search.space), seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(2, search.max_trials // 4)))


MAX_GRID_VALUES = 10_000  # values of one parameter in a grid search


def check_grid(space: dict[str, SearchParam]) -> None:
    """A grid search walks every value of each parameter: a range of millions is refused
    before anything is made of it (Invalid naming the field)."""
    for name, param in space.items():
        dist = distribution(name, param)
        if isinstance(dist, IntDistribution):
            count = (dist.high - dist.low) // dist.step + 1
        elif isinstance(dist, FloatDistribution) and dist.step is not None:
            count = int(round((dist.high - dist.low) / dist.step)) + 1
        else:
            continue
        if count > MAX_GRID_VALUES:
            where = f"search.space.{name}"
            raise Invalid(
                f"{where}: a grid of {count} values",
                [
                    field_error(
                        where,
                        f"{count} values",
                        f"at most {MAX_GRID_VALUES} in a grid search (a larger step)",
                    )
                ],
            )


def grid_values(space: dict[str, SearchParam]) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {}
    for name, param in space.items():
        dist = distribution(name, param)
        if isinstance(dist, CategoricalDistribution):
            values[name] = list(dist.choices)
        elif isinstance(dist, IntDistribution):
            values[name] = list(range(dist.low, dist.high + 1, dist.step))
        else:
            assert isinstance(dist, FloatDistribution)
            if dist.step is not None:
                count = int(round((dist.high - dist.low) / dist.step)) + 1
                values[name] = [dist.low + i * dist.step for i in range(count)]
            elif dist.log:
                ratio = math.log(dist.high / dist.low)
                values[name] = [
                    dist.low * math.exp(ratio * i / (GRID_VALUES - 1)) for i in range(GRID_VALUES)
                ]
            else:
                width = dist.high - dist.low
                values[name] = [dist.low + width * i / (GRID_VALUES - 1) for i in range(GRID_VALUES)]
    return values


def pruner(search: SearchSpec) -> optuna.pruners.BasePruner:
    if search.pruner == "asha":
        # Rungs at steps 1, 3, 9, 27, ...: a step is the objective graph's x (an epoch for
        # the reference kernel). A fixed first rung, so the first trials count in it too
        # ("auto" waits for a complete trial, and those before it never compete).
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if search.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    return optuna.pruners.NopPruner()


def direction(search: SearchSpec) -> str:
    return "maximize" if search.objective.mode == "max" else "minimize"


# -- the objective from the metric files -------------------------------------------------------
def objective_rows(output: str | Path, metric: str) -> list[tuple[int, float]]:
    """The objective's rows so far: (step, value), the step the graph's x (a whole number,
    as Optuna's steps are); rows without a value are skipped. [] while there is no graph."""
    graph, column = parse_metric(metric)
    try:
        read = graphs.read_graph(output, graph)
    except NotFound:
        return []
    values = read["series"].get(column)
    if values is None:
        return []
    rows = []
    for x, value in zip(read["x"], values, strict=True):
        if value is not None and math.isfinite(value) and math.isfinite(x):
            rows.append((int(x), float(value)))
    return rows


@dataclass(frozen=True)
class TrialView:
    number: int
    state: str  # Optuna's: RUNNING, COMPLETE, PRUNED, FAIL, WAITING
    value: float | None
    params: dict[str, Any]
    intermediate: list[tuple[int, float]]


def trials(storage: optuna.storages.BaseStorage, study_name: str) -> list[TrialView]:
    """The study's trials, for the experiment's view; [] when it has no study (yet)."""
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return []
    return [
        TrialView(
            number=t.number,
            state=t.state.name,
            value=t.value if t.state is TrialState.COMPLETE else None,
            params=dict(t.params),
            intermediate=sorted(t.intermediate_values.items()),
        )
        for t in study.get_trials(deepcopy=False)
    ]
