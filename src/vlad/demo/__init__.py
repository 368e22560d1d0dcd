"""Small demo datasets, written in the platform's dataset layouts, for trying a kernel."""

from vlad.demo.digits import write_digits_dataset

__all__ = ["write_digits_dataset"]
