"""A search's space as Optuna sees it, the sets that bound it, and its objective's rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from vlad.server.schemas.requests import SearchParam, SearchSpec
from vlad.server.services import search
from vlad.server.services.errors import Invalid


def p(**fields: object) -> SearchParam:
    return SearchParam.model_validate(fields)


def test_each_kind_of_parameter_becomes_optunas_distribution() -> None:
    assert search.distribution("lr", p(type="float", low=1e-4, high=0.1, log=True)) == FloatDistribution(
        1e-4, 0.1, log=True
    )
    assert search.distribution("width", p(type="int", low=8, high=64, step=8)) == IntDistribution(
        8, 64, step=8
    )
    assert search.distribution("m", p(choices=["small_cnn", "mlp"])) == CategoricalDistribution(
        ["small_cnn", "mlp"]
    )


@pytest.mark.parametrize(
    ("param", "problem"),
    [
        ({"type": "float", "low": 1, "high": 0}, "low 1 is above high 0"),
        ({"type": "float", "low": 0, "high": 1, "log": True}, "a log scale from 0"),
        ({"type": "int", "low": 0.5, "high": 3}, "an int range with fractional bounds"),
        ({"type": "int", "low": 1, "high": 9, "step": 1.5}, "an int step of 1.5"),
        ({"type": "float", "low": 1, "high": 9, "log": True, "step": 1}, "both log and step"),
        ({"choices": [1, 1]}, "a choice is listed twice"),
        ({"choices": [[1]]}, "a choice is not a number, string, boolean or null"),
        ({"choices": [1], "type": "int"}, "both choices and a range"),
        ({"type": "float", "low": 1}, "neither choices nor a whole range"),
    ],
)
def test_a_parameter_that_makes_no_range_is_refused_naming_it(param: dict, problem: str) -> None:
    with pytest.raises(Invalid) as refused:
        search.distribution("lr", p(**param))
    assert refused.value.details[0]["field"] == "search.space.lr"
    assert problem in refused.value.message


def test_corners_try_each_parameters_ends_with_the_others_at_their_first() -> None:
    space = {"lr": p(type="float", low=0.001, high=0.1), "model_type": p(choices=["a", "b", "c"])}
    assert search.corners(space) == [
        ("lr", {"lr": 0.001, "model_type": "a"}),
        ("lr", {"lr": 0.1, "model_type": "a"}),
        ("model_type", {"lr": 0.001, "model_type": "a"}),
        ("model_type", {"lr": 0.001, "model_type": "b"}),
        ("model_type", {"lr": 0.001, "model_type": "c"}),
    ]


def test_a_grid_search_walks_every_choice_and_step() -> None:
    values = search.grid_values(
        {
            "w": p(type="int", low=8, high=32, step=8),
            "m": p(choices=["a", "b"]),
            "lr": p(type="float", low=0.001, high=0.1, log=True),
        }
    )
    assert values["w"] == [8, 16, 24, 32] and values["m"] == ["a", "b"]
    assert len(values["lr"]) == search.GRID_VALUES
    assert values["lr"][0] == pytest.approx(0.001) and values["lr"][-1] == pytest.approx(0.1)


def test_the_metric_is_graph_dot_column_and_the_graph_may_have_dots() -> None:
    assert search.parse_metric("accuracy.val_accuracy") == ("accuracy", "val_accuracy")
    assert search.parse_metric("a.b.c") == ("a.b", "c")
    with pytest.raises(Invalid):
        search.parse_metric("accuracy")


def test_objective_rows_come_from_the_metric_file_whole_steps_and_values(tmp_path: Path) -> None:
    assert search.objective_rows(tmp_path, "accuracy.val_accuracy") == []
    metrics = tmp_path / "save" / "metrics"
    metrics.mkdir(parents=True)
    (metrics / "accuracy.csv").write_text(
        "epoch, train_accuracy, val_accuracy\n1, 0.5, 0.4\n2, 0.7,\n3, 0.9, 0.8\n"
    )
    assert search.objective_rows(tmp_path, "accuracy.val_accuracy") == [(1, 0.4), (3, 0.8)]
    assert search.objective_rows(tmp_path, "accuracy.nothing") == []


def test_each_sampler_and_pruner_is_optunas_own() -> None:
    import optuna

    spec = {
        "space": {"x": {"type": "float", "low": 0, "high": 1}},
        "objective": {"metric": "score.value"},
        "max_trials": 8,
    }
    kinds = {
        "tpe": optuna.samplers.TPESampler,
        "random": optuna.samplers.RandomSampler,
        "grid": optuna.samplers.GridSampler,
    }
    for name, kind in kinds.items():
        assert isinstance(search.sampler(SearchSpec.model_validate({**spec, "sampler": name}), 0), kind)
    pruners = {
        "asha": optuna.pruners.SuccessiveHalvingPruner,
        "median": optuna.pruners.MedianPruner,
        "none": optuna.pruners.NopPruner,
    }
    for name, kind in pruners.items():
        assert isinstance(search.pruner(SearchSpec.model_validate({**spec, "pruner": name})), kind)
    assert (
        search.direction(SearchSpec.model_validate({**spec, "objective": {"metric": "l.v", "mode": "min"}}))
        == "minimize"
    )
