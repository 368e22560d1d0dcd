"""The platform's searcher: one thread that drives every running search experiment
(services.search) with Optuna.

Each pass, for each search: the runs' objective rows (their metric files) are reported to
their trials as they appear; a run its pruner gives up on is pruned (stopped with the grace
period, status `pruned`); a run that ended is told to the study (done: its objective's last
value; pruned: pruned; failed or stopped: failed); then trials are asked while fewer than
the experiment's `max_parallel` run and fewer than `max_trials` were asked, each becoming a
run (`models.trial`). A search whose trials were all asked and have all ended is done.

A trial asked just before a crash, with no run yet, is told failed on the next pass; every
other state is in the rows and the study, so a restarted platform goes on where it was.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState
from sqlalchemy import select

from vlad.server.db import Database
from vlad.server.models import Experiment, Model
from vlad.server.schemas.requests import SearchSpec
from vlad.server.services import experiments, search
from vlad.server.services.states import ACTIVE, JobStatus
from vlad.server.worker import Worker

log = logging.getLogger("vlad.searcher")
ACTIVE_VALUES = {s.value for s in ACTIVE}


class Searcher(Worker):
    thread_name = "vlad-searcher"

    def __init__(
        self,
        db: Database,
        storage_url: str,
        jobs_dir: Path,
        executor: str,
        uploads_dir: Path,
        launch: Callable[[list[str], list[str] | None], None],
        prune: Callable[[str, str], bool],
        interval: float = 1.0,
    ) -> None:
        super().__init__(interval)
        self.db = db
        self.storage_url = storage_url
        self.jobs_dir, self.executor, self.uploads_dir = jobs_dir, executor, uploads_dir
        self.launch = launch
        self.prune = prune  # (job id, message) -> whether it was still active and is now pruned
        self._storage: optuna.storages.BaseStorage | None = None
        self._storage_lock = threading.Lock()  # made once: two at once would both create tables
        self._studies: dict[str, optuna.Study] = {}  # with their samplers, kept between passes

    @property
    def storage(self) -> optuna.storages.BaseStorage:
        """The studies' storage, opened once some search asks for it."""
        with self._storage_lock:
            if self._storage is None:
                self._storage = search.study_storage(self.storage_url)
            return self._storage

    def forget(self, experiment_id: str) -> None:
        """A deleted experiment's study goes from the storage too (none: nothing to do)."""
        self._studies.pop(experiment_id, None)
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=experiment_id, storage=self.storage)

    def run_once(self) -> None:
        with self.db.session() as session:
            ids = list(session.scalars(select(Experiment.id).where(Experiment.search_state == "running")))
        for experiment_id in ids:
            try:
                self.drive(experiment_id)
            except Exception:  # noqa: BLE001 - one search's trouble stops no other
                log.exception("search %s: pass failed", experiment_id)

    def study(self, experiment: Experiment, spec: SearchSpec) -> optuna.Study:
        study = self._studies.get(experiment.id)
        if study is None:
            try:
                asked = len(optuna.load_study(study_name=experiment.id, storage=self.storage).trials)
            except KeyError:
                asked = 0
            study = optuna.create_study(
                study_name=experiment.id,
                storage=self.storage,
                direction=search.direction(spec),
                sampler=search.sampler(spec, asked),
                pruner=search.pruner(spec),
                load_if_exists=True,
            )
            if asked == 0:
                for params in spec.first:  # tried first, in order; the sampler takes over after
                    study.enqueue_trial(params, skip_if_exists=True)
            self._studies[experiment.id] = study
        return study

    def drive(self, experiment_id: str) -> None:
        """One pass over one search: report, prune, tell, ask."""
        with self.db.session() as session:
            experiment = session.get(Experiment, experiment_id)
            if experiment is None or experiment.search_state != "running":
                self._studies.pop(experiment_id, None)
                return
            spec = SearchSpec.model_validate(experiment.spec["search"])
            runs = {
                m.trial: (m.id, m.model_path, m.job.status if m.job else JobStatus.FAILED.value)
                for m in session.scalars(
                    select(Model).where(Model.experiment_id == experiment_id, Model.trial.is_not(None))
                )
            }
            max_parallel = experiment.max_parallel or search.DEFAULT_PARALLEL
            study = self.study(experiment, spec)
        trials = {t.number: t for t in study.get_trials(deepcopy=False)}
        running = 0
        for number, trial in trials.items():
            if trial.state.is_finished() or trial.state is TrialState.WAITING:  # WAITING: enqueued
                continue
            if number not in runs:  # asked just before a crash: its run was never made
                study.tell(number, state=TrialState.FAIL)
                continue
            model_id, output, status = runs[number]
            if self._follow(study, trial, model_id, output, status, spec):
                running += 1
        asked = sum(1 for t in trials.values() if t.state is not TrialState.WAITING)
        while running < max_parallel and asked < spec.max_trials:
            self._ask(study, experiment_id, spec)
            asked += 1
            running += 1
        if asked >= spec.max_trials and running == 0:
            with self.db.session() as session:
                done = session.get(Experiment, experiment_id)
                if done is not None:
                    done.search_state = "done"
            self._studies.pop(experiment_id, None)
            log.info("search %s is done", experiment_id)

    def _follow(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        model_id: str,
        output: str,
        status: str,
        spec: SearchSpec,
    ) -> bool:
        """Report the run's new rows, prune or tell; True while it still runs."""
        rows = search.objective_rows(output, spec.objective.metric)
        live = optuna.trial.Trial(study, trial._trial_id)  # noqa: SLF001 - Optuna's own handle
        reported = trial.intermediate_values
        for step, value in rows:
            if step not in reported:
                live.report(value, step)
        if status in ACTIVE_VALUES:
            if rows and live.should_prune():
                step, value = rows[-1]
                message = (
                    f"Pruned by its search ({spec.pruner}): {spec.objective.metric} = {value:g} "
                    f"at step {step} is clearly worse than the other trials' there."
                )
                if self.prune(model_id, message):
                    study.tell(trial.number, state=TrialState.PRUNED)
                    log.info("search %s: trial %d (%s) pruned", study.study_name, trial.number, model_id)
                    return False
            return True
        if status == JobStatus.DONE.value and rows:
            study.tell(trial.number, rows[-1][1])
        elif status == JobStatus.PRUNED.value:
            study.tell(trial.number, state=TrialState.PRUNED)
        else:  # failed, stopped, or done without the objective's graph
            study.tell(trial.number, state=TrialState.FAIL)
        return False

    def _ask(self, study: optuna.Study, experiment_id: str, spec: SearchSpec) -> None:
        trial = study.ask(search.distributions(spec.space))
        params: dict[str, Any] = dict(trial.params)
        try:
            with self.db.session() as session:
                experiment = session.get(Experiment, experiment_id)
                assert experiment is not None
                model = experiments.create_trial_run(
                    session, experiment, trial.number, params, self.jobs_dir, self.executor, self.uploads_dir
                )
                model_id = model.id
                extra = list(dict.fromkeys(experiment.spec["base"].get("extra_files") or []))
        except Exception:
            study.tell(trial.number, state=TrialState.FAIL)
            raise
        self.launch([model_id], extra or None)
        log.info("search %s: trial %d is run %s with %s", experiment_id, trial.number, model_id, params)
