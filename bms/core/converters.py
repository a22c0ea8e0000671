"""`<id:pk>` in every URL pattern: a record's id is 1 to 19 ASCII digits no larger than a BigAutoField
holds, so /invoices/99999999999999999999/ is a 404 before any query, the same on every database."""

from bms.core.params import ID_MAX


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError("beyond any id")  # the resolver reads this as "no match": a 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
