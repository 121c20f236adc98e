"""The review loop: a queue of a batch's documents and what each key does.

Pure logic over a :class:`~screening.ledger.store.Store`; drawing the screen is
:mod:`screening.review.view`'s job and reading keys the CLI's. Every decision is committed to the
ledger before the next document is shown.

Queue order ``priority`` (the default) puts first the documents whose legal evidence and label
disagree — a 规-series number, an extension notice or a validity clause on a file the model calls
not normative; a reply to one party, a technical standard or a plan on a file it calls normative;
a file it calls normative (in force) that a repeal rule says may have lapsed, such as a default
validity period run out (:func:`conflict`) — because a confident model can be confidently wrong
and such a file would otherwise come last; then the documents no decisive legal fact settles,
and last those a registration number, an extension notice, a standard or a reply settles
(:func:`settled`), each group by ``uncertainty``. ``uncertainty`` alone puts
first the documents whose top two label probabilities are closest (smallest *margin*): the
advisor's choice is in practice between the model's first and second label, and margin measures
exactly how near the model was to the other answer; entropy would also count the spread over the
third label, which rarely matters. Ties go to documents with more red flags, then to file order.
``flags`` sorts by red flags first, ``file`` keeps file order. Documents the reviewer skipped come last; documents already decided are
left out, so quitting and starting again resumes where the reviewer left off.

Several reviewers can work through one batch at once (an office on one shared ledger): a
document decided by any of them leaves every queue (unless a reviewer reviews *independently*,
for a second opinion, when only their own decisions count), and the document a reviewer has
open is leased to their session, so the queue never hands it to a second reviewer meanwhile.
The session renews the lease (:class:`LeaseKeeper` does so while the reviewer reads); a crashed
reviewer's lease expires after :data:`~screening.ledger.decisions.LEASE_SECONDS`. A decision in a shared
review is recorded only if nobody decided the document in the meantime, checked under the
ledger's lock, so no document is decided twice however the leases fare.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import AlreadyDecidedError, ScreeningError, UsageError
from ..labels import LABELS
from ..ledger import Store
from ..ledger import decisions as ledger

ORDERS = ("priority", "uncertainty", "flags", "file")
#: A legal fact whose weight is at least this (or at most its negative, for facts against the
#: genre) makes a label against it a disagreement worth an advisor's look first.
STRONG_FOR, STRONG_AGAINST = 1.0, -2.5
KEY_LABELS = {"1": LABELS[0], "2": LABELS[1], "3": LABELS[2]}
ACCEPT_KEYS = {"", "\r", "\n"}
SCROLL_DOWN = {"j", "\x1b[B"}
SCROLL_UP = {"k", "\x1b[A"}


@dataclass
class Item:
    """One document in the review queue."""

    seq: int
    path: str
    sha256: str
    model_version: str
    label: str
    probabilities: dict[str, float]
    evidence: list[str]
    metadata: dict[str, Any]
    text: str
    flags: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    #: The legal facts on the genre (dicts of screening.law.evidence.Fact.to_dict, with weights).
    facts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def margin(self) -> float:
        return margin(self.probabilities)

    @property
    def conflict(self) -> str | None:
        return conflict(self.label, self.facts, self.reasons)


#: Severities of a repeal-group finding that make a "normative" (in force) label worth a look first.
LAPSE_SEVERITIES = ("high", "medium")


def conflict(
    label: str,
    facts: list[dict[str, Any]],
    reasons: Sequence[dict[str, Any]] = (),
) -> str | None:
    """What the legal evidence says against ``label``, in Chinese, or ``None``.

    Strong facts for the genre (a registration number, an extension notice, a validity clause)
    on a file labelled not normative, or strong facts against it (a reply to one party, a
    technical standard, a plan or minutes) on a file labelled normative or repeal. And a file
    labelled normative — in force — that a repeal rule of ``LAPSE_SEVERITIES`` says may have
    lapsed (``reasons``: the file's repeal-group findings): the genre may be settled, whether the
    file still stands is not, and the model does not count such a finding as a repeal reason (a
    default validity period run out, which offices often keep in force until they evaluate it).
    """
    if label == LABELS[1]:
        strong = [f for f in facts if f.get("weight", 0.0) >= STRONG_FOR]
        if strong:
            return "、".join(f["title"] for f in strong) + "，但模型判为不属于规范性文件"
        return None
    strong = [f for f in facts if f.get("weight", 0.0) <= STRONG_AGAINST]
    if strong:
        return "、".join(f["title"] for f in strong) + "，但模型判为规范性文件"
    lapsed = [r for r in reasons if r.get("severity") in LAPSE_SEVERITIES]
    if label == LABELS[0] and lapsed:
        return "、".join(r["title"] for r in lapsed) + "，但模型判为规范性文件（现行有效）"
    return None


def margin(probabilities: dict[str, float]) -> float:
    """How far the model's first label is ahead of its second."""
    top = sorted(probabilities.values(), reverse=True)
    return top[0] - (top[1] if len(top) > 1 else 0.0)


#: A fact this strong settles the genre as far as a text can (a registration number, an extension
#: notice, a technical standard, a reply to one party).
DECISIVE = 3.0


def settled(label: str, facts: list[dict[str, Any]]) -> bool:
    """Whether a decisive legal fact agrees with ``label``: the law, not the words, made the call."""
    weights = [f.get("weight", 0.0) for f in facts]
    if label == LABELS[1]:
        return any(w <= -DECISIVE for w in weights)
    return any(w >= DECISIVE for w in weights)


def priority_key(
    label: str,
    probabilities: dict[str, float],
    facts: list[dict[str, Any]],
    n_flags: int,
    seq: int,
    reasons: Sequence[dict[str, Any]] = (),
) -> tuple[bool, bool, float, int, int]:
    """The ``priority`` order: disagreements first (:func:`conflict`; ``reasons`` are the file's
    repeal-group findings); then files no decisive legal fact settles, and last those one does,
    each by the closest call, more flags, file order."""
    return (
        conflict(label, facts, reasons) is None,
        settled(label, facts),
        round(margin(probabilities), 6),
        -n_flags,
        seq,
    )


def sort_queue(items: list[Item], order: str) -> list[Item]:
    if order == "priority":
        return sorted(
            items,
            key=lambda i: priority_key(
                i.label, i.probabilities, i.facts, len(i.flags), i.seq, i.reasons
            ),
        )
    if order == "uncertainty":
        return sorted(items, key=lambda i: (round(i.margin, 6), -len(i.flags), i.seq))
    if order == "flags":
        return sorted(items, key=lambda i: (-len(i.flags), round(i.margin, 6), i.seq))
    return sorted(items, key=lambda i: i.seq)


class ReviewSession:
    """The state of one reviewer working through one batch."""

    def __init__(
        self,
        store: Store,
        batch_id: str,
        reviewer: str,
        order: str = "priority",
        independent: bool = False,
        lease_seconds: float = ledger.LEASE_SECONDS,
    ) -> None:
        if order not in ORDERS:
            raise UsageError(f"未知的排序方式：{order}（可选：{', '.join(ORDERS)}）。")
        if not reviewer.strip():
            raise UsageError("请用 --reviewer 写明审查人姓名。")
        self.store = store
        self.batch_id = batch_id
        self.reviewer = reviewer.strip()
        self.order = order
        self.independent = independent
        self.lease_seconds = lease_seconds
        self.session_id = uuid.uuid4().hex
        self.scroll = 0
        self.pending_reason: str | None = None
        self.message = ""
        self.decided_now = 0
        #: Documents of the queue that other reviewers had open when no other one was free.
        self.busy = 0
        self._all = {i.sha256: i for i in self._load_items()}
        # The effective decisions per document, kept up to date from the rows appended since.
        self._effective: dict[str, list[dict[str, Any]]] = {}
        self._seen_id = 0
        self._absorb(store.decision_rows())
        skipped = store.skipped(self.reviewer, batch_id)
        todo = [i for i in self._all.values() if not self._done(i.sha256)]
        self.queue = sort_queue([i for i in todo if i.sha256 not in skipped], order) + sort_queue(
            [i for i in todo if i.sha256 in skipped], order
        )
        self.total = len(self._all)
        self._held: str | None = None
        self._claim()

    def _load_items(self) -> list[Item]:
        items = []
        for row in self.store.batch_items(self.batch_id):
            items.append(
                Item(
                    seq=row["seq"],
                    path=row["path"],
                    sha256=row["sha256"],
                    model_version=row["model_version"],
                    label=row["label"],
                    probabilities=row["probabilities"],
                    evidence=[f for f, _ in row["evidence"]],
                    metadata=row["metadata"],
                    text=row["text"],
                    flags=[f for f in row["findings"] if f["group"] != "repeal"],
                    reasons=[f for f in row["findings"] if f["group"] == "repeal"],
                    facts=row["structure"].get("legal_facts", []),
                )
            )
        # The same document can appear twice in a batch (two paths): review it once.
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(item.sha256, item)
        return list(unique.values())

    # -- who decided what, as the ledger grows under other reviewers' hands
    def _absorb(self, rows: list[dict[str, Any]]) -> list[str]:
        changed: dict[str, None] = {}
        for row in rows:
            self._seen_id = max(self._seen_id, row["id"])
            changed[row["sha256"]] = None
            effective = self._effective.setdefault(row["sha256"], [])
            if row["kind"] == ledger.DECISION:
                effective.append(row)
            else:
                effective[:] = [r for r in effective if r["uid"] != row["corrects_uid"]]
        return list(changed)

    def _done(self, sha256: str) -> bool:
        rows = self._effective.get(sha256, [])
        if self.independent:
            return any(r["reviewer"] == self.reviewer for r in rows)
        return bool(rows)

    def _refresh(self) -> None:
        changed = self._absorb(self.store.decision_rows_after(self._seen_id))
        if not changed:
            return
        self.queue = [i for i in self.queue if not self._done(i.sha256)]
        queued = {i.sha256 for i in self.queue}
        for sha in changed:  # -- a retracted decision puts its document back in the queue
            if sha in self._all and sha not in queued and not self._done(sha):
                self.queue.append(self._all[sha])

    # -- leases
    def _claim(self) -> None:
        """Hold the lease of the first queued document no other reviewer has open."""
        while True:
            self._refresh()
            index = self._first_free()
            if index is None:
                self._release()
                self.busy = len(self.queue)
                return
            item = self.queue.pop(index)
            self.queue.insert(0, item)
            if self._held not in (None, item.sha256):
                self.store.release_leases(self.session_id, self._held)
            self._held = item.sha256
            self._refresh()  # -- decided by someone between our look and the lease?
            if self.queue and self.queue[0].sha256 == item.sha256:
                self.busy = 0
                return
            self._release()

    def _first_free(self) -> int | None:
        """Lease the first queued document that is free; its index, or None if all are taken."""
        for index, item in enumerate(self.queue):
            if (
                self.store.acquire_lease(
                    item.sha256, self.reviewer, self.session_id, self.lease_seconds
                )
                is None
            ):
                return index
        return None

    def _release(self) -> None:
        if self._held is not None:
            self.store.release_leases(self.session_id, self._held)
            self._held = None

    def _keep(self) -> bool:
        """Renew the lease on the open document; if it was lost (it expired and another reviewer
        took the document), say so and move on to another document."""
        item = self.current
        if item is None:
            return True
        holder = self.store.acquire_lease(
            item.sha256, self.reviewer, self.session_id, self.lease_seconds
        )
        if holder is None:
            return True
        self._held = None
        self.queue.append(self.queue.pop(0))
        self._claim()
        self.message = f"{file_name(item.path)} 的租约已过期，现由 {holder[0]} 打开；已换到下一份，请看过后再按键。"
        return False

    def close(self) -> None:
        """Give back the lease on the open document (quitting, or at the end of the queue)."""
        self.store.release_leases(self.session_id)
        self._held = None

    @property
    def current(self) -> Item | None:
        return self._all[self._held] if self._held is not None else None

    @property
    def remaining(self) -> int:
        return len(self.queue)

    def set_reason(self, reason: str) -> None:
        """Attach a reason (the advisor's legal basis) to the next decision on this document."""
        self.pending_reason = reason.strip() or None
        self.message = (
            f"已记下理由：{self.pending_reason}" if self.pending_reason else "理由为空，未记录。"
        )

    def decide(self, label: str) -> dict[str, Any] | None:
        """Record ``label`` for the open document and open the next one. Returns the decision
        row, or ``None`` when another reviewer decided the document first (a shared review)."""
        item = self.current
        if item is None:
            raise UsageError("队列中已没有待审查的文件。")
        try:
            row = ledger.record(
                self.store,
                item.sha256,
                label,
                self.reviewer,
                reason=self.pending_reason,
                batch_id=self.batch_id,
                shown=ledger.Shown(item.model_version, item.label, item.probabilities),
                if_undecided=not self.independent,
            )
        except AlreadyDecidedError as exc:
            row = None
            self.message = f"{file_name(item.path)}：{exc}已换到下一份。"
        else:
            self.decided_now += 1
            self.message = f"已记录：{file_name(item.path)} → {ledger.LABEL_NAMES[label]}"
        self.queue = [i for i in self.queue if i.sha256 != item.sha256]
        self._release()
        self.pending_reason = None
        self.scroll = 0
        self._claim()
        return row

    def skip(self) -> None:
        item = self.current
        if item is None:
            return
        self.store.record_skip(self.reviewer, self.batch_id, item.sha256)
        self.queue.append(self.queue.pop(0))
        self._release()
        self.pending_reason = None
        self.scroll = 0
        self._claim()
        self.message = f"已跳过：{file_name(item.path)}（移到队尾）"

    def undo(self) -> None:
        target = ledger.undo_last(self.store, self.reviewer, self.batch_id)
        if target is None:
            self.message = "没有可撤销的决定。"
            return
        item = self._all.get(target["sha256"])
        self._release()
        if item is not None:
            self.queue = [i for i in self.queue if i.sha256 != item.sha256]
            self.queue.insert(0, item)
        self.pending_reason = None
        self.scroll = 0
        self._claim()
        self.message = f"已撤销对 {file_name(item.path if item else target['sha256'][:12])} 的决定（追加了一条更正记录）。"

    def handle(self, key: str) -> bool:
        """Apply one key; return False when the reviewer quits."""
        if key == "q":
            return False
        if self.current is None:
            return False
        if not self._keep():
            return True
        if key in KEY_LABELS:
            self.decide(KEY_LABELS[key])
        elif key in ACCEPT_KEYS:
            self.decide(self.current.label)
        elif key == "s":
            self.skip()
        elif key == "u":
            self.undo()
        elif key in SCROLL_DOWN:
            self.scroll += 5
            self.message = ""
        elif key in SCROLL_UP:
            self.scroll = max(0, self.scroll - 5)
            self.message = ""
        else:
            self.message = f"未知按键 {key!r}：1/2/3 选择结论，回车接受模型结论，r 理由，s 跳过，u 撤销，j/k 滚动，q 退出。"
        return True


class LeaseKeeper:
    """Renews a review session's lease every ``interval`` seconds from a thread with its own
    connection, so a reviewer who reads one long file for minutes keeps it, while a crashed
    reviewer's lease still expires within :data:`~screening.ledger.decisions.LEASE_SECONDS`."""

    def __init__(self, session: ReviewSession, interval: float | None = None) -> None:
        self.session = session
        self.interval = interval if interval is not None else session.lease_seconds / 4
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="screening-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        store: Store | None = None
        try:
            while not self._stop.wait(self.interval):
                try:
                    store = store or Store.open(self.session.store.location.target)
                    store.renew_leases(self.session.session_id, self.session.lease_seconds)
                except (ScreeningError, *self.session.store.conn.errors):
                    # The ledger is unreachable: the reviewer learns it at the next key.
                    if store is not None:
                        store.close()
                    store = None
        finally:
            if store is not None:
                store.close()


def file_name(path: str) -> str:
    """The last component of a stored path (whatever the OS that stored it)."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def open_session(
    store: Store,
    reviewer: str,
    batch_id: str | None = None,
    order: str = "uncertainty",
    independent: bool = False,
) -> ReviewSession:
    """Start (or resume) a review of ``batch_id`` (default: the latest batch)."""
    batch_id = batch_id or store.latest_batch_id()
    if batch_id is None:
        raise UsageError("台账中还没有任何批次。请先运行 screening screen 审查一批文件。")
    if store.batch(batch_id) is None:
        raise UsageError(f"找不到批次 {batch_id}。")
    return ReviewSession(store, batch_id, reviewer, order, independent)
