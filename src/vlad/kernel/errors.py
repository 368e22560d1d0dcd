"""Exceptions a kernel raises or sees."""

import threading

# Set when SIGTERM arrives; `Job.should_stop` reads it.
stop_event = threading.Event()


class KernelError(Exception):
    """Raise with a message for the person who runs the job; it becomes `training_error`.

    Say what was wrong and what was expected, e.g.
    ``KernelError("Training images have the wrong size: expected 32x32, got 8x8.")``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StopRequested(BaseException):  # noqa: N818 - a signal, not an error
    """Raised in the kernel's main thread when the platform stops the job (SIGTERM).

    A BaseException, so a kernel's ``except Exception`` does not swallow it; use
    ``try/finally`` (or catch it, save, and re-raise) to save a checkpoint before exit.
    """
