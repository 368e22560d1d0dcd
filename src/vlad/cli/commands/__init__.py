"""The `vlad` command's groups, one module each, named after the group (`vlad kernels` is kernels.py)."""
