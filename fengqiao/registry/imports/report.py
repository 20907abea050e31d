"""What an import found and did, and the error a file that cannot be read raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao.privacy import mask_numbers

MAX_ERRORS = 1000  # kept and shown; the total is counted beyond it
FILE = N_("文件")  # the "column" of a problem with the file as a whole (row 0)


class RowError(NamedTuple):
    """A problem in one row (0: the file itself) and column, said in the user's language."""

    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did.

    ``rows``: data rows read. ``counts``: what the file would create (after checking);
    ``created``: what was written (empty on a dry run or with errors). ``errors``: the
    first ``MAX_ERRORS`` problems in row order; ``error_count``: all of them.
    """

    kind: str
    filename: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row: int, label: str, message: str) -> None:
        self.error_count += 1
        # Messages quote the cell they refuse; a file whose columns slipped puts ID numbers
        # and phones in cells that are not theirs, and the report is shown, kept in the job
        # and printed.
        self.errors.append(RowError(row, _(label), mask_numbers(message)))
        if len(self.errors) > 2 * MAX_ERRORS:
            self._trim()

    def _trim(self) -> None:
        self.errors.sort(key=lambda error: error.row)
        del self.errors[MAX_ERRORS:]

    def finish(self) -> None:
        self._trim()

    def lines(self) -> list[str]:
        """The errors as text lines, for a terminal."""
        out = [
            _("第 %(row)d 行【%(field)s】%(message)s") % e._asdict() if e.row else e.message
            for e in self.errors
        ]
        if self.error_count > len(self.errors):
            out.append(
                _("……共 %(n)d 个问题，只列出前 %(shown)d 个")
                % {"n": self.error_count, "shown": len(self.errors)}
            )
        return out


class ImportFileError(Exception):
    """The file cannot be read as an import of this kind (format, encoding, header)."""
