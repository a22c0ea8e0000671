"""Requests no page can use, refused before any view sees them."""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string


class RefuseNulCharactersMiddleware:
    """A NUL character in the address (a search, a filter) is never typed by a person, and
    PostgreSQL refuses it in any text comparison, which would surface as a server error. Forms
    already refuse it field by field with a message; the query string is refused here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in value for values in request.GET.lists() for value in values[1]
        ):
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)
