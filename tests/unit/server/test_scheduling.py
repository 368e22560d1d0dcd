"""The scheduler's rule (services.scheduling.plan): capacity, order, quotas, reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vlad.executors import Capacity
from vlad.server.services.scheduling import PREPARING, ProjectRules, QueueJob, plan

T0 = datetime(2026, 12, 3, tzinfo=UTC)
MACHINE = {"local": Capacity(cpus=2, memory_gb=8, gpus=0)}


def job(n: int, project: str = "p", **fields) -> QueueJob:  # type: ignore[no-untyped-def]
    return QueueJob(
        id=fields.pop("id", f"j{n:03d}"),
        project_id=project,
        executor=fields.pop("executor", "local"),
        created_at=T0 + timedelta(seconds=n),
        **fields,
    )


def test_no_more_jobs_start_than_the_cpus_allow_and_the_oldest_go_first() -> None:
    waiting = [job(n) for n in range(5)]
    result = plan(waiting, [], MACHINE)
    assert result.placed == ["j000", "j001"]
    assert [result.waiting[f"j00{n}"].position for n in (2, 3, 4)] == [1, 2, 3]
    assert result.waiting["j002"].reason == "needs 1 CPU, 0 free; 0 jobs ahead"
    assert result.waiting["j004"].reason == "needs 1 CPU, 0 free; 2 jobs ahead"


def test_running_jobs_hold_their_resources() -> None:
    running = [job(0, id="r1", cpus=1.5)]
    result = plan([job(1), job(2, cpus=0.5)], running, MACHINE)
    assert result.placed == []  # j001 needs 1 CPU with 0.5 free; j002 may not pass it
    assert "needs 1 CPU, 0.5 free" in result.waiting["j001"].reason
    assert "held for job j001 ahead" in result.waiting["j002"].reason


def test_gpus_reason_reads_as_the_issue_says() -> None:
    capacity = {"local": Capacity(cpus=16, gpus=4)}
    running = [job(0, id="r", gpus=3)]
    waiting = [job(1, gpus=1), job(2, gpus=1), job(3, gpus=2)]
    result = plan(waiting, running, capacity)
    assert result.placed == ["j001"]
    assert result.waiting["j002"].reason == "needs 1 GPU, 0 free; 0 jobs ahead"
    assert result.waiting["j003"].reason.startswith("needs 2 GPUs, 0 free")
    assert result.waiting["j003"].reason.endswith("; 1 job ahead")


def test_a_large_job_is_not_passed_over_by_small_ones() -> None:
    capacity = {"local": Capacity(cpus=16, gpus=2)}
    running = [job(0, id="r", gpus=1)]
    waiting = [job(1, id="big", gpus=2), job(2, id="small", gpus=1), job(3, id="cpu", gpus=0)]
    result = plan(waiting, running, capacity)
    # The free GPU stays free for the 2-GPU job; a job needing no GPU still starts.
    assert result.placed == ["cpu"]
    assert "held for job big ahead" in result.waiting["small"].reason


def test_priority_goes_before_submission_order_and_fair_share() -> None:
    waiting = [job(1, "a"), job(2, "a"), job(3, "b", priority=5)]
    result = plan(waiting, [], {"local": Capacity(cpus=1)})
    assert result.placed == ["j003"]
    assert result.waiting["j001"].position == 1


def test_fair_share_alternates_projects_and_follows_their_weights() -> None:
    capacity = {"local": Capacity(cpus=4)}
    waiting = [job(n, "a") for n in range(4)] + [job(10 + n, "b") for n in range(4)]
    result = plan(waiting, [], capacity)
    assert sorted(result.placed) == ["j000", "j001", "j010", "j011"]
    weighted = plan(waiting, [], capacity, {"a": ProjectRules(share=3.0)})
    assert sorted(weighted.placed) == ["j000", "j001", "j002", "j010"]


def test_the_project_using_least_goes_first() -> None:
    running = [job(0, "a", id="ra1"), job(0, "a", id="ra2")]
    waiting = [job(1, "a"), job(5, "b")]
    result = plan(waiting, running, {"local": Capacity(cpus=3)})
    assert result.placed == ["j005"]  # b uses nothing yet, though a's job is older


def test_quotas_hold_only_their_own_project() -> None:
    rules = {"a": ProjectRules(quota_running=1, quota_gpus=2)}
    capacity = {"local": Capacity(cpus=8, gpus=8)}
    waiting = [job(1, "a"), job(2, "a"), job(3, "b"), job(4, "a", id="ga", gpus=3)]
    result = plan(waiting, [], capacity, rules)
    assert set(result.placed) == {"j001", "j003"}
    assert result.waiting["j002"].reason == "project quota of 1 running job reached"
    gpus = plan([job(5, "a", gpus=3)], [], capacity, {"a": ProjectRules(quota_gpus=2)})
    assert gpus.waiting["j005"].reason == "project quota of 2 GPUs reached (0 in use, needs 3)"


def test_experiment_max_parallel() -> None:
    waiting = [job(n, experiment_id="e") for n in range(4)] + [job(9, experiment_id="other")]
    result = plan(
        waiting, [job(0, id="r", experiment_id="e")], {"local": Capacity(cpus=8)}, max_parallel={"e": 2}
    )
    assert result.placed == ["j000", "j009"]
    assert result.waiting["j001"].reason == "experiment max_parallel 2 reached"


def test_jobs_being_prepared_wait_without_a_place() -> None:
    result = plan([job(1, prepared=False), job(2)], [], MACHINE)
    assert result.placed == ["j002"]
    assert result.waiting["j001"].position is None
    assert result.waiting["j001"].reason == PREPARING


def test_a_job_asking_more_cpus_than_there_are_runs_alone_rather_than_never() -> None:
    result = plan([job(1, cpus=8), job(2)], [], MACHINE)
    assert result.placed == ["j001"]
    assert "needs 1 CPU, 0 free" in result.waiting["j002"].reason


def test_memory_counts_when_bounded() -> None:
    waiting = [job(1, memory_gb=6), job(2, memory_gb=4), job(3)]
    result = plan(waiting, [], MACHINE)
    assert result.placed == ["j001"]
    assert result.waiting["j002"].reason.startswith("needs 4 GB of memory, 2 free")
    # j002 holds the free CPU too: without knowing how long jobs run, passing it could delay it.
    assert "held for job j002 ahead" in result.waiting["j003"].reason


def test_a_cluster_cap_of_jobs_in_flight() -> None:
    capacity = {"kubernetes": Capacity(jobs=2, where="cluster default")}
    waiting = [job(n, executor="kubernetes") for n in range(3)]
    result = plan(waiting, [], capacity)
    assert len(result.placed) == 2
    assert result.waiting["j002"].reason == "needs 1 job slot, 0 free on cluster default; 0 jobs ahead"


def test_an_unavailable_executor_says_why_and_holds_back_nothing_else() -> None:
    capacities = {"ray": "no cluster at http://127.0.0.1:8265", **MACHINE}
    result = plan([job(1, executor="ray"), job(2)], [], capacities)
    assert result.placed == ["j002"]
    assert result.waiting["j001"].reason == "executor ray is unavailable: no cluster at http://127.0.0.1:8265"


def test_nothing_counted_means_nothing_waits() -> None:
    result = plan([job(n, executor="ray") for n in range(50)], [], {"ray": Capacity()})
    assert len(result.placed) == 50


# -- preemption --------------------------------------------------------------------------------
def test_a_higher_priority_job_preempts_the_newest_lowest_priority_run_with_a_checkpoint() -> None:
    from vlad.server.services.scheduling import preemption

    running = [job(0, id="old", priority=-1), job(1, id="new", priority=-1), job(2, id="mid", priority=0)]
    urgent = job(3, id="urgent", priority=5)
    result = plan([urgent], running, {"local": Capacity(cpus=3)})
    assert result.waiting["urgent"].reason.startswith("needs 1 CPU, 0 free")
    chosen = preemption(result, [urgent], running, {"local": Capacity(cpus=3)}, {"old", "new", "mid"})
    assert chosen is not None and (chosen.for_job, chosen.victims) == ("urgent", ["new"])
    # Only jobs with a checkpoint may be preempted; the fewest that make room.
    chosen = preemption(result, [urgent], running, {"local": Capacity(cpus=3)}, {"mid"})
    assert chosen is not None and chosen.victims == ["mid"]
    big = job(3, id="big", priority=5, cpus=2)
    result = plan([big], running, {"local": Capacity(cpus=3)})
    chosen = preemption(result, [big], running, {"local": Capacity(cpus=3)}, {"old", "new", "mid"})
    assert chosen is not None and chosen.victims == ["new", "old"]


def test_nothing_is_preempted_for_equal_priority_a_quota_or_without_checkpoints() -> None:
    from vlad.server.services.scheduling import preemption

    running = [job(0, id="r", priority=0)]
    capacity = {"local": Capacity(cpus=1)}
    same = job(1, id="same", priority=0)
    assert preemption(plan([same], running, capacity), [same], running, capacity, {"r"}) is None
    urgent = job(1, id="urgent", priority=5)
    assert preemption(plan([urgent], running, capacity), [urgent], running, capacity, set()) is None
    quota = {"p": ProjectRules(quota_running=1)}
    held = plan([urgent], running, capacity, quota)
    assert held.waiting["urgent"].reason.startswith("project quota")
    assert preemption(held, [urgent], running, capacity, {"r"}) is None
    # A job that fits no matter what (asks more than all there is) counts as asking all of it.
    greedy = job(1, id="greedy", priority=5, cpus=64)
    chosen = preemption(plan([greedy], running, capacity), [greedy], running, capacity, {"r"})
    assert chosen is not None and chosen.victims == ["r"]
