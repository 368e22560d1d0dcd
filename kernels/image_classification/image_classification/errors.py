"""The one exception the core raises for problems a user can fix."""


class InputError(Exception):
    """Something wrong with the job's dataset, base model or hyperparameters.

    The message is shown to the user as is (``__main__`` turns it into a
    `vlad.kernel.KernelError`), so it says what was expected and what was found.
    """
