"""A run's final metrics (the last value of each series), stored when its job ends.

An experiment of 500 runs would otherwise read 500 folders of metric files on every view.
Once a job has ended its kernel writes no more, so the last values are read from its files
once (`record`) and kept in `Model.final_metrics`; `for_model` answers from there. A run
still going, and a row stored before this column existed, are read from the files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.server.db import Database
from vlad.server.models import Job, Model
from vlad.server.services import graphs
from vlad.server.services.states import TERMINAL

log = logging.getLogger(__name__)
_ENDED = {s.value for s in TERMINAL}


def record(db: Database, job_ids: list[str]) -> None:
    """Store the final metrics of those of `job_ids` that are ended training jobs with a model.

    Others (still running, validations, gone) are skipped, and so is a model whose folder is
    gone. Never raises for one job: what goes wrong with it is logged and the rest go on.
    """
    if not job_ids:
        return
    try:
        with db.session() as session:
            rows = session.execute(
                select(Model, Job)
                .join(Job, Job.id == Model.id)
                .where(Model.id.in_(job_ids), Job.operation == "training", Job.status.in_(_ENDED))
            ).all()
            for model, _job in rows:
                try:
                    if not Path(model.model_path).is_dir():
                        continue
                    model.final_metrics = graphs.final_metrics(model.model_path)
                except Exception:
                    log.exception(
                        "final metrics of %s not stored; they will be read from its files", model.id
                    )
    except Exception:  # the caller is a job's end; its metrics are still read from the files
        log.exception("final metrics of %d jobs not stored", len(job_ids))


def for_model(model: Model) -> dict[str, float]:
    """The stored final metrics once the run has ended and they were stored; else its files'."""
    job = model.job
    if model.final_metrics is not None and job is not None and job.status in _ENDED:
        return dict(model.final_metrics)
    return graphs.final_metrics(model.model_path)


def for_job(session: Session, job: Job, output: Path) -> dict[str, float]:
    """A job's final metrics: its model's (`for_model`); a validation's are read from `output`."""
    model = session.get(Model, job.id) if job.operation == "training" else None
    return for_model(model) if model is not None else graphs.final_metrics(output)
