"""The review loop: the queue of a batch's documents, what each key does, and its screen.

:mod:`.queue` is the logic over the ledger; :mod:`.view` draws it (the only module importing rich).
"""

from .queue import ORDERS, ReviewSession, conflict, open_session, priority_key

__all__ = ["ORDERS", "ReviewSession", "conflict", "open_session", "priority_key"]
