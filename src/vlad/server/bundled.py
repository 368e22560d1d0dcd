"""The kernels that ship with the platform (the reference kernel, the DLaaS command kernel),
found as package data.

`vlad/bundled_kernels` is a link to the checkout's `kernels/` folder: from a checkout or an
editable install it leads there, and a built wheel holds a copy of the folder in its place.
So the README's `kernels/image_classification` and an installed platform use the same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUNDLED_KERNELS = "bundled_kernels"


def bundled_kernel(name: str) -> Path:
    """The folder of the bundled kernel `name` (`image_classification`, `command`), links resolved.

    The folder may be missing (an install built without `kernels/`): callers check for it.
    """
    # pip installs packages unpacked, so the package's resources are plain files on disk.
    return Path(str(files("vlad") / BUNDLED_KERNELS / name)).resolve()
