"""The `vlad` command line."""
