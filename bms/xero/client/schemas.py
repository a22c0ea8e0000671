"""Pydantic models for the parts of Xero's Accounting API we use.

Money is Decimal (responses are parsed with parse_float=Decimal), dates accept both Xero forms,
and enum-like fields are plain strings: Xero returns values its own spec doesn't list (xero-notes
trap 16), and one unknown account type must not sink a whole page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bms.xero.client.xerodates import parse_xero_date, parse_xero_datetime

XeroDate = Annotated[date | None, BeforeValidator(parse_xero_date)]
XeroDateTime = Annotated[datetime | None, BeforeValidator(parse_xero_datetime)]


class XeroModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ValidationMessage(XeroModel):
    message: str = Field(alias="Message")


class Organisation(XeroModel):
    organisation_id: str = Field(alias="OrganisationID")
    name: str = Field(alias="Name")
    legal_name: str | None = Field(default=None, alias="LegalName")
    short_code: str | None = Field(default=None, alias="ShortCode")
    base_currency: str | None = Field(default=None, alias="BaseCurrency")
    country_code: str | None = Field(default=None, alias="CountryCode")
    timezone: str | None = Field(default=None, alias="Timezone")
    period_lock_date: XeroDate = Field(default=None, alias="PeriodLockDate")
    end_of_year_lock_date: XeroDate = Field(default=None, alias="EndOfYearLockDate")
    edition: str | None = Field(default=None, alias="Edition")
    is_demo_company: bool | None = Field(default=None, alias="IsDemoCompany")

    @property
    def lock_date(self) -> date | None:
        """The later of the two lock dates: nothing on or before it can be posted."""
        dates = [d for d in (self.period_lock_date, self.end_of_year_lock_date) if d]
        return max(dates) if dates else None


def validation_messages(element: dict[str, Any]) -> list[str]:
    return [str(item.get("Message", "")) for item in element.get("ValidationErrors") or [] if item.get("Message")]


def money(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))
