"""The kernels that ship with the platform are found as package data, and from a checkout
they are the files of its kernels/ folder (the README's paths)."""

from pathlib import Path

import pytest

from vlad.contract import KernelManifest
from vlad.server.bundled import bundled_kernel

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["image_classification", "command"])
def test_bundled_kernel_is_the_checkouts_folder(name: str):
    folder = bundled_kernel(name)
    assert folder == (REPO / "kernels" / name).resolve()
    assert KernelManifest.load(folder).name


def test_a_kernel_that_is_not_bundled_is_a_missing_folder():
    assert not bundled_kernel("no_such_kernel").exists()
