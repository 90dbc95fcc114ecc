"""Subcommands of the ``weamlib`` CLI, one module per group (see ``weamlib.cli``)."""
