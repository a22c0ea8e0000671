"""Times on every screen (issue 17 item 4): a moment that belongs to an entity is shown in that
entity's time zone, any other in the instance's default zone (General Settings), and the zone is
always named. One filter does it (`local`, bms/core/templatetags/bms_ui.py); the walk below fails
on any template that prints a stored time another way."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.template import engines
from django.template.base import VariableNode
from django.templatetags.tz import TimezoneNode
from django.urls import reverse

from bms.billing.services import invoice_approve
from bms.core.audit import audit_record
from bms.core.templatetags.bms_ui import local, local_time
from bms.preferences.models import GeneralSettings
from bms.testing import factories as f

TIME_FORMAT_CHARACTERS = set("aAbBfgGhHiIsSuPTeOZcrU")  # Django's date-format letters for a time or zone
LOCAL_FILTERS = {"local", "local_time"}


def _templates() -> list[Path]:
    roots = [Path(config.path) / "templates" for config in apps.get_app_configs() if config.name.startswith("bms.")]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def _raw_times(path: Path) -> list[str]:
    """What in one template prints a stored time without `local`: a variable named like a moment
    (`…_at`, `.at`: ARCHITECTURE's naming), a `|date`/`|time` format with a time of day in it, or a
    `{% timezone %}` block."""
    template = engines["django"].from_string(path.read_text())
    found = []
    for node in template.template.nodelist.get_nodes_by_type(VariableNode):
        expression = node.filter_expression
        names = [func.__name__ for func, _ in expression.filters]
        var = getattr(expression.var, "var", "") or ""
        last = var.rsplit(".", 1)[-1] if isinstance(var, str) else ""
        if (last == "at" or last.endswith("_at")) and not LOCAL_FILTERS & set(names):
            found.append(f"{expression.token} (a moment: use |local)")
        for func, args in expression.filters:
            if func.__name__ in ("date", "time"):
                shown = "".join(str(arg) for is_variable, arg in args if not is_variable) if args else "DATETIME"
                if func.__name__ == "time" or set(shown) & TIME_FORMAT_CHARACTERS:
                    found.append(f"{expression.token} (a time of day: use |local)")
    if template.template.nodelist.get_nodes_by_type(TimezoneNode):
        found.append("{% timezone %} (use |local:zone)")
    return found


def test_no_template_prints_a_stored_time_but_through_local():
    templates = _templates()
    assert len(templates) > 40  # the walk found the screens
    raw = {str(path.relative_to(Path.cwd())): found for path in templates if (found := _raw_times(path))}
    assert raw == {}


def test_the_walk_catches_a_raw_time(tmp_path):
    """The walk above is only worth its silence if it speaks up."""
    for text in ('{{ job.queued_at|date:"j M Y H:i" }}', "{{ entry.at }}", '{{ day|time:"H:i" }}',
                 '{% load tz %}{% timezone "UTC" %}{{ x }}{% endtimezone %}'):
        bad = tmp_path / "bad.html"
        bad.write_text(text)
        assert _raw_times(bad), text
    fine = tmp_path / "fine.html"
    fine.write_text('{% load bms_ui %}{{ job.queued_at|local }} {{ invoice.issued_on|date:"d/m/Y" }}')
    assert _raw_times(fine) == []


class Place:
    def __init__(self, time_zone: str = "", entity=None):
        self.time_zone, self.entity = time_zone, entity


def test_local_names_the_zone_it_shows():
    summer = datetime(2026, 12, 5, 3, 3, 7, tzinfo=UTC)
    assert local(summer, "Australia/Sydney") == "5 Dec 2026 14:03 AEDT"
    assert local(summer, Place("Pacific/Auckland")) == "5 Dec 2026 16:03 NZDT"
    assert local(summer, Place(entity=Place("Australia/Perth"))) == "5 Dec 2026 11:03 AWST"  # a record's entity
    assert local(summer, "Asia/Dubai") == "5 Dec 2026 07:03 (Asia/Dubai)"  # tzdata has no letters for it
    assert local(summer, "UTC") == "5 Dec 2026 03:03 UTC"
    assert local_time(summer, "Australia/Sydney") == "14:03:07 AEDT"
    assert local(None, "Australia/Sydney") == ""


@pytest.mark.django_db
def test_an_entitys_record_shows_the_entitys_time_other_screens_the_default_zone(admin_client, admin_user):
    GeneralSettings.objects.update_or_create(pk=1, defaults={"default_time_zone": "Pacific/Auckland"})
    perth = f.entity("WA", time_zone="Australia/Perth")
    moment = datetime(2026, 12, 5, 3, 3, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        invoice = invoice_approve(invoice=f.draft_invoice(on_entity=perth), approved_by=admin_user, now=moment)
        audit_record(actor=admin_user, action="settings.changed", target="General Settings")
    page = admin_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "5 Dec 2026 11:03 AWST" in page  # approved, in Perth
    log = admin_client.get(reverse("audit_log")).content.decode()
    assert "5 Dec 2026 16:03 NZDT" in log and "(UTC)" not in log  # no entity: the instance's default zone
