"""REST paginators by name: each turns a reply into the next request, or None at the end.

The declaration's ``paging.type`` picks one (``models.py`` holds their options); adding a paging
style is one class registered with ``@paginator``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable
from urllib.parse import urlsplit

from connectors.registry import registrar

from .models import CursorPaging, NextLinkPaging, OffsetPaging, PageNumberPaging

Request = tuple[str, dict[str, Any]]  # (path, query parameters)
PAGINATORS: dict[str, Callable[[Any], "Paginator"]] = {}
paginator = registrar(PAGINATORS)  # @paginator("type"): the decorated class pages that way


def reply_field(reply: Any, name: str) -> Any:
    """A top-level field of a JSON object reply, else None (a list or an error text has none)."""
    return reply.get(name) if isinstance(reply, dict) else None


class Paginator(ABC):
    """The interface every registered paging style implements (each subclass below)."""

    def __init__(self, spec):
        self.spec = spec

    @abstractmethod
    def first(self, path: str, params: dict) -> Request:
        """The first request of a read."""

    @abstractmethod
    def after(self, reply: Any, records: list, request: Request) -> Request | None:
        """The request after ``reply`` (which held ``records``), or None when the read is complete."""

    def reported_total(self, reply: Any) -> int | None:
        """How many records the source says the listing holds, when its replies say (else None)."""
        return None


@paginator("page_number")
class PageNumber(Paginator):
    spec: PageNumberPaging

    def first(self, path, params):
        return path, {**params, self.spec.page_param: self.spec.first_page, self.spec.size_param: self.spec.size}

    def after(self, reply, records, request):
        path, params = request
        page = params[self.spec.page_param]
        if self.spec.total_pages_field:
            last = page - self.spec.first_page + 1 >= int(reply_field(reply, self.spec.total_pages_field) or 0)
        else:
            last = len(records) < self.spec.size
        return None if last or not records else (path, {**params, self.spec.page_param: page + 1})


@paginator("offset")
class Offset(Paginator):
    spec: OffsetPaging

    def first(self, path, params):
        return path, {**params, self.spec.offset_param: 0, self.spec.limit_param: self.spec.limit}

    def reported_total(self, reply):
        total = reply_field(reply, self.spec.total_field) if self.spec.total_field else None
        return None if total is None else int(total)

    def after(self, reply, records, request):
        path, params = request
        following = params[self.spec.offset_param] + len(records)
        if self.spec.total_field:
            last = following >= int(reply_field(reply, self.spec.total_field) or 0)
        else:
            last = len(records) < self.spec.limit
        return None if last or not records else (path, {**params, self.spec.offset_param: following})


class Limited(Paginator):
    """The first request asks for ``limit`` records; what follows comes from the reply."""

    def first(self, path, params):
        return path, {**params, self.spec.limit_param: self.spec.limit}


@paginator("cursor")
class Cursor(Limited):
    spec: CursorPaging

    def after(self, reply, records, request):
        path, params = request
        cursor = reply_field(reply, self.spec.cursor_field)
        return (path, {**params, self.spec.cursor_param: cursor}) if cursor else None


@paginator("next_link")
class NextLink(Limited):
    """The link carries every parameter; an absolute link is taken on the system's own host."""

    spec: NextLinkPaging

    def after(self, reply, records, request):
        link = reply_field(reply, self.spec.next_field)
        if not link:
            return None
        parts = urlsplit(link)
        return (parts.path + (f"?{parts.query}" if parts.query else "")), {}


def paginator_for(spec) -> Paginator:
    return PAGINATORS[spec.type](spec)
