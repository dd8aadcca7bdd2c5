"""Ctrl-C and SIGTERM, handled alike for the command line.

Both stop the command through KeyboardInterrupt, so one path (cancel workers, remove
the partial folder, keep sweep tasks) serves a person at the terminal, `timeout` and
schedulers alike; only the exit code differs.
"""
from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import Any

_early: int | None = None     # a signal that came while the command was starting (see catch_early)


def _record(signum: int, frame: FrameType | None) -> None:
    global _early
    _early = signum


def catch_early() -> None:
    """Hold SIGINT and SIGTERM from the first line of the `rackline` command: a signal that
    comes while Python imports the command (a second or more on a loaded machine) is kept,
    and `StopSignals.raise_pending` stops the command with its exit code once the command
    can clean up. Only the command calls this: a library import never touches handlers."""
    import signal
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _record)


class StopSignals:
    """Turns SIGINT and SIGTERM into KeyboardInterrupt while a command runs (a context
    manager; the previous handlers come back after).

    A signal that lands where an exception would be lost or corrupted (see
    `unsafe_to_raise`) is delivered again 50 ms later; so is one whose
    KeyboardInterrupt Python swallowed after all (raised in a weakref callback or a
    finaliser, where Python prints "Exception ignored" and carries on): the
    unraisable-exception hook sees it and asks for the signal again.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.pid = os.getpid()
        self.saved: dict[int, Any] = {}
        self.raised = False      # stopping already: later signals change nothing
        self.redeliver: threading.Timer | None = None  # delivers a deferred signal again
        self.saved_hook = sys.unraisablehook

    def __enter__(self) -> StopSignals:
        import signal
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.saved[sig] = signal.signal(sig, self.handle)
            self.saved_hook = sys.unraisablehook
            sys.unraisablehook = self.unraisable
        return self

    def __exit__(self, *exc: object) -> None:
        import signal
        self.raised = True
        if self.redeliver is not None:
            self.redeliver.cancel()
        for sig, old in self.saved.items():
            signal.signal(sig, old)
        if self.saved:
            sys.unraisablehook = self.saved_hook

    def raise_pending(self) -> None:
        """Stop now if a signal came before the handlers were ours (see `catch_early`)."""
        global _early
        if _early is not None and not self.raised:
            self.received, _early = _early, None
            self.raised = True
            raise KeyboardInterrupt

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid or self.raised:  # a worker before its initializer ran, or stopping already
            return
        self.received = signum
        if unsafe_to_raise(frame):
            self.defer(signum)
            return
        self.raised = True
        raise KeyboardInterrupt

    def unraisable(self, args: Any) -> None:
        """Our KeyboardInterrupt, swallowed where Python ignores exceptions: send the signal again."""
        if isinstance(args.exc_value, KeyboardInterrupt) and self.received is not None \
                and os.getpid() == self.pid:
            self.raised = False
            self.defer(self.received)
            return
        self.saved_hook(args)

    def defer(self, signum: int) -> None:
        """Deliver `signum` to this process again in 50 ms (once at a time)."""
        if self.redeliver is None or not self.redeliver.is_alive():
            self.redeliver = threading.Timer(0.05, os.kill, (self.pid, signum))
            self.redeliver.daemon = True
            self.redeliver.start()

    def exit_code(self) -> int:
        """130 for Ctrl-C (SIGINT), 143 for SIGTERM: 128 + the signal, as shells report."""
        import signal
        return 128 + int(self.received or signal.SIGINT)


def unsafe_to_raise(frame: FrameType | None) -> bool:
    """Whether an exception raised at `frame` would be lost or corrupted: inside a C
    extension's initialisation (it becomes "ImportError: initialization failed"), inside
    the fork of a worker (at-fork hooks such as logging's ignore exceptions: Ctrl-C was
    lost), inside a finaliser (`__del__` errors are ignored too) or inside a database call
    of an optimize study (SQLAlchemy logs the half-closed cursor with a traceback)."""
    from importlib.machinery import ExtensionFileLoader
    if frame is not None and frame.f_code.co_name == "__del__":
        return True
    top = frame
    while frame is not None:
        code = frame.f_code
        if code.co_name in ("create_module", "exec_module") and \
                isinstance(frame.f_locals.get("self"), ExtensionFileLoader):
            return True
        if frame is not top and code.co_name == "_launch" and code.co_filename.endswith("popen_fork.py"):
            return True
        if str(frame.f_globals.get("__name__", "")).partition(".")[0] == "sqlalchemy":
            return True
        frame = frame.f_back
    return False
