"""What every billing view shares: a missing record is a 404, a service's refusal shows on its form."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

from bms.core.errors import DomainError


def get_or_404(reader, pk: int):
    try:
        return reader(pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404(str(exc)) from exc


def show_error(form, exc: DomainError) -> None:
    """Beside the field the refusal names, or at the top of the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
