"""`python -m rackline` is the same as `rackline`."""
from rackline.signals import catch_early

catch_early()          # before the command's imports: a signal while they load is not lost


def entry() -> None:
    """The `rackline` console script: signals are held from here, then the command runs."""
    from rackline.cli import entry as run_command
    run_command()


if __name__ == "__main__":
    entry()
