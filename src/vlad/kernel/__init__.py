"""The kernel SDK: what a kernel author imports.

A whole kernel::

    from vlad.kernel import Job, run

    def train(job: Job) -> None:
        epochs = job.hyperparameters["epochs"]
        for epoch in range(1, epochs + 1):
            loss = ...                                   # one epoch of training
            job.log_metrics("loss", epoch, train_loss=loss)
            job.progress(step=epoch, total=epochs)
        save(model, job.model_write_path / "model.pt")

    if __name__ == "__main__":
        run(train=train)

`run` reads `vlad_training.json` and `model.json`, checks them, connects to the broker,
calls `train` or `validate`, and sends `training_done` when it returns or one
`training_error` when anything goes wrong. This package imports nothing of the platform.
"""

from vlad.kernel.errors import KernelError, StopRequested
from vlad.kernel.job import Job
from vlad.kernel.metrics import MetricWriter
from vlad.kernel.publisher import StatusPublisher
from vlad.kernel.runtime import load_job, run

__all__ = [
    "Job",
    "KernelError",
    "MetricWriter",
    "StatusPublisher",
    "StopRequested",
    "load_job",
    "run",
]
