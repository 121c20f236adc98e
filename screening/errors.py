"""The exception tree of ``screening``.

Every error meant for the user derives from :class:`ScreeningError`; its message is Simplified
Chinese, says what is wrong and what to do next. The CLI turns these into a clean error line
(exit 1); anything else is a bug.
"""


class ScreeningError(Exception):
    """Base class: an error whose message is shown to the user as is."""


class UsageError(ScreeningError):
    """The user asked for something that cannot be done as asked (bad path, bad date …)."""


class DocumentBusyError(UsageError):
    """Another reviewer has the document open (holds its review lease)."""


class AlreadyDecidedError(UsageError):
    """The document was decided by someone else while it was being looked at."""


class ExtractionError(ScreeningError):
    """A file could not be read into text."""


class UnsupportedFormatError(ExtractionError):
    """The file's content is of a format no extractor handles."""


class EmptyDocumentError(ExtractionError):
    """The file was read but holds no text."""


class EncryptedDocumentError(ExtractionError):
    """The file is password-protected."""


class NoTextLayerError(ExtractionError):
    """A PDF without a text layer: it needs OCR."""


class ExtractionTimeoutError(ExtractionError):
    """Reading a file took longer than the per-file time limit."""


class ReaderBugError(ExtractionError):
    """A reader failed in a way it does not expect (a bug): ``details`` holds the traceback,
    which belongs in the error log, not in front of the advisor."""

    def __init__(self, message: str, kind: str, details: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.details = details


class DictionaryError(ScreeningError):
    """A user dictionary file is malformed."""


class CorpusError(ScreeningError):
    """The labelled corpus is malformed."""


class ModelLoadError(ScreeningError):
    """A model file is missing, corrupt, or of an unsupported format version."""


class StoreError(ScreeningError):
    """The ledger database cannot be opened or written."""


class ReportWriteError(ScreeningError):
    """A report file could not be written (disk full, no permission)."""


class DataFileError(ScreeningError):
    """A data file shipped with or given to ``screening`` (e.g. the law status table) is malformed."""


class WorkerExitedError(ScreeningError):
    """A worker process ended while it analysed a file (killed, out of memory, crashed)."""
