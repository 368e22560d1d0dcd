"""The CLI's config file; its place and format are `vlad.clientconfig`'s (`vlad up` writes it too)."""

from vlad.clientconfig import config_path, load_config, save_config

__all__ = ["config_path", "load_config", "save_config"]
