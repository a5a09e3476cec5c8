"""What a sectoral source declaration may say, one typed model per connector kind.

``docs/schemas/sources.md`` is generated from these models (``python -m docs.generate_schemas``).
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, PositiveInt, field_validator

from mappings.strict_yaml import StrictModel


class Common(StrictModel):
    stream: str = Field(description="the stream's name (one per source)")
    mapping: str = Field(description="its mapping file, relative to the declaring file or mappings/")
    partitions: tuple[str, ...] = Field(("all",), description="partitions read one after the other")


# --- REST paging: one model per paginator; connectors/sectoral/paging.py registers their behaviour.

class PageNumberPaging(StrictModel):
    """Pages numbered from ``first_page``; the last page is the one shorter than ``size`` (or
    ``total_pages_field`` of the reply says how many there are)."""

    type: Literal["page_number"]
    page_param: str = "page"
    first_page: int = 1
    size_param: str = "page_size"
    size: PositiveInt = 100
    total_pages_field: str | None = None


class LimitedPaging(StrictModel):
    limit_param: str = "limit"
    limit: PositiveInt = 100


class OffsetPaging(LimitedPaging):
    """``offset``/``limit``; the end is a short page (or ``offset`` reaching ``total_field``: the listing's
    total, which each read's records are also held to, quality check đủ on ``source_read``)."""

    type: Literal["offset"]
    offset_param: str = "offset"
    total_field: str | None = None


class CursorPaging(LimitedPaging):
    """An opaque cursor from each reply (``cursor_field``) sent back as ``cursor_param``; none ends."""

    type: Literal["cursor"]
    cursor_field: str = "next_cursor"
    cursor_param: str = "cursor"


class NextLinkPaging(LimitedPaging):
    """Each reply names the next page's URL (``next_field``, absolute or relative); none ends."""

    type: Literal["next_link"]
    next_field: str = "next"


Paging = Annotated[Union[PageNumberPaging, OffsetPaging, CursorPaging, NextLinkPaging], Field(discriminator="type")]


class IsoWatermark(StrictModel):
    """Incremental by an ISO-8601 update time: the next sync asks for records updated since the
    latest one stored, less ``overlap_seconds``."""

    since_param: str = Field(description="the query parameter of the lower bound")
    watermark_field: str = "updated_at"
    overlap_seconds: int = Field(3600, ge=0)


class RestSource(Common):
    """A JSON REST listing, paged by any registered paginator, optionally incremental."""

    kind: Literal["rest"]
    path: str = Field(description="the listing's path below the system URL")
    records_field: str = Field("data", description="the reply's field holding the page's records")
    paging: Paging = Field(description="how pages follow each other: one of the paging sections below")
    incremental: IsoWatermark | None = Field(None, description="absent: every sync reads the whole listing")
    api_key_header: str | None = Field(None, description="the header carrying the system's password as API key")


class RestCursorSource(Common):
    """The first REST kind (flat options, cursor paging), kept for declarations in the field:
    the same connector as ``rest`` with ``paging: {type: cursor}``."""

    kind: Literal["rest_cursor"]
    path: str
    records_field: str = "data"
    next_cursor_field: str = "next_cursor"
    cursor_param: str = "cursor"
    limit_param: str = "limit"
    limit: PositiveInt = 500
    updated_since_param: str | None = None
    watermark_field: str = "updated_at"
    overlap_seconds: int = Field(3600, ge=0)
    api_key_header: str | None = None

    def as_rest(self) -> RestSource:
        incremental = (IsoWatermark(since_param=self.updated_since_param, watermark_field=self.watermark_field,
                                    overlap_seconds=self.overlap_seconds) if self.updated_since_param else None)
        return RestSource(kind="rest", stream=self.stream, mapping=self.mapping, partitions=self.partitions,
                          path=self.path, records_field=self.records_field, api_key_header=self.api_key_header,
                          paging=CursorPaging(type="cursor", cursor_field=self.next_cursor_field,
                                              cursor_param=self.cursor_param, limit_param=self.limit_param,
                                              limit=self.limit),
                          incremental=incremental)


class FileDropSource(Common):
    """Daily CSV exports in a directory, read file by file in name order."""

    kind: Literal["file_drop"]
    directory: str | None = Field(None, description="else the system URL file:///…")
    pattern: str = Field("*.csv", description="file names read, in name order; the checkpoint is the last one stored")
    encoding: str = Field("utf-8-sig", description="a file that does not decode becomes one reject with its reason")
    delimiter: str = ","
    batch_size: PositiveInt = Field(1000, description="rows per batch")


class SqlSource(Common):
    """A table read through SQLAlchemy by keyset on (watermark column, key column)."""

    kind: Literal["sql"]
    table: str
    watermark_column: str = Field(description="the update time (or any column growing with each change)")
    key_column: str = Field(description="breaks ties of the watermark: the keyset is (watermark, key)")
    batch_size: PositiveInt = Field(1000, description="rows per batch")
    overlap_seconds: int = Field(3600, ge=0, description="a new sync starts this much before the checkpoint")


SourceDeclaration = Annotated[Union[RestSource, RestCursorSource, FileDropSource, SqlSource],
                              Field(discriminator="kind")]


class SourcesFile(StrictModel):
    """A sources file: ``sources:`` maps each source's name to its declaration."""

    sources: dict[str, SourceDeclaration] = Field(default_factory=dict,
                                                  description="source name -> declaration; ``kind`` picks the model")

    @field_validator("sources", mode="before")
    @classmethod
    def _empty_section(cls, value):
        return {} if value is None else value
