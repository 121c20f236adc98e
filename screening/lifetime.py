"""A helper process's life bound to its parent's: it must not outlive the process it serves.

A worker (``screen --workers``) and the extraction process each worker or client starts wait for
their parent's next request. Were the parent killed (kill -9, the out-of-memory killer), they
would go on with the file in hand, unlimited, and then wait for ever. On Linux the kernel sends
a chosen signal to a process whose parent ends (``prctl(PR_SET_PDEATHSIG)``); elsewhere the
helper notices when its parent has changed (:func:`parent_is_gone`).
"""

from __future__ import annotations

import os
import sys
import threading

_PR_SET_PDEATHSIG = 1
_parent: int | None = None


def may_bind_child() -> bool:
    """Whether a process started now, from the calling thread, may bind its life to this
    process's with :func:`die_with_parent`: the kernel's signal follows the thread that started
    a process, so only a child of the main thread may ask for it (another thread may end while
    the process lives on, as a Dask worker's do)."""
    return threading.current_thread() is threading.main_thread()


def die_with_parent(signum: int) -> None:
    """Have this process receive ``signum`` when its parent ends; exit now if it already has."""
    global _parent
    _parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        except (OSError, AttributeError):  # -- no prctl (another libc): parent_is_gone() only
            pass
    if parent_is_gone():  # -- it ended before the request was made
        os.kill(os.getpid(), signum)


def parent_is_gone() -> bool:
    """Whether the parent this process had when it called :func:`die_with_parent` has ended
    (the process has been handed to another, as an orphan is)."""
    return _parent is not None and os.getppid() != _parent
