"""Tools for development and for running the platform on one machine (not for kernels)."""
