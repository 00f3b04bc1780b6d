"""One page of a staff or customer listing: its rows, how many there are in all, and where the
page stands among the others (the templates' "Previous"/"Next" and "21–40 of 73")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ResultPage(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def beyond_end(self) -> bool:
        """A page number past the last page (a stale or hand-edited link)."""
        return self.page > self.pages

    @property
    def has_previous(self) -> bool:
        return 1 < self.page <= self.pages

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)
