"""Paged answers and query parameters, shared by the client's operations (api.py, credit_notes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bms.xero.client.responses import XeroResponse
from bms.xero.client.schemas import Pagination, XeroModel

T = TypeVar("T", bound=XeroModel)


@dataclass
class Page(Generic[T]):
    items: list[T]
    pagination: Pagination | None


def query_params(**values: Any) -> dict[str, Any]:
    """The query parameters that have a value (None leaves one out)."""
    return {key: value for key, value in values.items() if value is not None}


def page_of(response: XeroResponse, key: str, model: type[T]) -> Page[T]:
    data = response.data or {}
    pagination = Pagination.model_validate(data["pagination"]) if data.get("pagination") else None
    return Page(items=[model.model_validate(item) for item in data.get(key, [])], pagination=pagination)
