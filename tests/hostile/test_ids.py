"""Ids in paths, query strings and form bodies: one converter, one helper; a malformed or impossible
id is a 404 that says what was looked for, never a server error."""

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from bms.core.converters import IdConverter
from bms.core.params import ID_MAX, id_param, object_or_404
from bms.core.testing import persona
from bms.entities.models import Entity
from bms.testing import factories as f
from bms.xero.views import _safe_return

HOSTILE_IDS = ["abc", "-1", "0", "1.5", "", " ", str(10**20), str(ID_MAX + 1), "٣", "1e3", "0x10", "🙂", "a" * 5000]


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_url_pattern_takes_its_ids_through_the_id_converter():
    with_int = [route for route, entry in _patterns() if any(
        isinstance(c, IntConverter) for c in getattr(entry.pattern, "converters", {}).values())]
    assert not with_int, f"use <id:…> instead of <int:…> in {with_int}"
    assert any("<id:" in route for route, _ in _patterns())


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), (str(ID_MAX), ID_MAX), (str(ID_MAX + 1), None), ("99999999999999999999", None)])
def test_the_converter_holds_every_bigautofield_id_and_no_more(text, expected):
    converter = IdConverter()
    if expected is None:
        with pytest.raises(ValueError, match="beyond any id"):
            converter.to_python(text)
    else:
        assert converter.to_python(text) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["99999999999999999999", str(ID_MAX), str(ID_MAX + 1), "0"])
def test_a_path_id_no_record_can_have_is_a_404(pk):
    client = Client()
    client.force_login(persona("admin"))
    for path in (f"/billing/invoices/{pk}/", f"/admin/jobs/{pk}/", f"/admin/entities/{pk}/edit/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/billing/invoices/-1/").status_code == 404


@pytest.mark.parametrize(("text", "expected"), [("7", 7), (" 7 ", 7), (None, None), *((t, None) for t in HOSTILE_IDS[
    :-1] if t not in ("0",))])
def test_id_param_reads_only_ids_a_row_can_have(text, expected):
    assert id_param(text) == expected


@pytest.mark.django_db
def test_object_or_404_names_what_it_looked_for():
    entity = f.entity("AU")
    assert object_or_404(Entity, str(entity.pk)) == entity
    for text in [*HOSTILE_IDS, str(entity.pk + 1)]:
        with pytest.raises(Http404, match=r"No such entity\."):
            object_or_404(Entity, text)
    with pytest.raises(Http404):
        object_or_404(Entity.objects.filter(code="NZ"), str(entity.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("tenant", HOSTILE_IDS)
def test_a_hostile_tenant_on_sync_from_xero_is_a_404_not_a_server_error(tenant):
    client = Client()
    client.force_login(persona("admin"))
    response = client.post(reverse("xero:chart_sync"), {"tenant": tenant})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("entity", ["abc", "-1", str(10**20), ""])
def test_a_hostile_entity_on_tracking_is_a_404(entity):
    client = Client()
    client.force_login(persona("admin"))
    assert client.post(reverse("xero:tracking"), {"entity": entity}).status_code == 404


@pytest.mark.parametrize("candidate", ["abc", "javascript:alert(1)", "//evil.example/", "https://evil.example/",
                                       "/\\evil.example", "", None, "/" + "a" * 2001])
def test_a_return_path_that_is_no_page_here_is_dropped(candidate):
    request = RequestFactory().get("/")
    assert _safe_return(request, candidate) == ""
    assert _safe_return(request, "/billing/invoices/?page=2") == "/billing/invoices/?page=2"


@pytest.mark.django_db
@pytest.mark.parametrize("next_page", ["abc", "javascript:x", "//evil.example"])
def test_a_hostile_next_on_the_consent_page_is_not_a_server_error(next_page):
    entity = f.entity("AU")
    client = Client()
    client.force_login(persona("admin"))
    response = client.get(reverse("xero:consent", args=[entity.pk]), {"next": next_page})
    assert response.status_code == 200 and next_page.encode() not in response.content
