"""``python -m relclf``: the command-line interface."""

from .cli import entry_point

if __name__ == "__main__":  # not when a worker process started by spawn or a fork server imports it
    entry_point()
