"""`bms status`: the background jobs, then each app's registered lines, in the order they registered."""

from io import StringIO

import pytest
from django.core.management import call_command

from bms.jobs import engine, registry
from bms.jobs.services import job_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_these_providers(monkeypatch):
    providers: list = []
    monkeypatch.setattr(registry, "_STATUS_PROVIDERS", providers)
    return providers


def _status() -> str:
    out = StringIO()
    call_command("status", stdout=out)
    return out.getvalue()


def test_it_shows_queue_depth_and_jobs_by_status(only_these_providers):
    job_enqueue(kind="jobs.prune_logs", description="Tidy old job logs")
    lines = _status().splitlines()
    assert lines[0] == "Background jobs"
    assert lines[1].startswith("  Queue depth: ")
    # (the test's transaction never commits, so the job stays queued)
    assert lines[2] == ("  Queued: 1, Working: 0, Completed: 0, Completed with errors: 0, Failed: 0 "
                        "(of the queued, 0 waiting until later)")
    assert len(lines) == 3


def test_it_prints_each_registered_providers_lines_in_order_after_the_jobs(only_these_providers):
    registry.status_provider(lambda: ["Widgets: none"])
    registry.status_provider(lambda: iter(["Gadgets", "  Left: 2"]))
    assert _status().splitlines()[3:] == ["Widgets: none", "Gadgets", "  Left: 2"]


def test_it_registers_a_provider_once():
    def lines():
        return []

    registry.status_provider(lines)
    registry.status_provider(lines)
    try:
        assert registry.status_providers().count(lines) == 1
    finally:
        registry._STATUS_PROVIDERS.remove(lines)


def test_it_says_so_when_the_job_engine_cannot_be_reached(only_these_providers, monkeypatch):
    def unreachable():
        raise ConnectionError("refused")

    monkeypatch.setattr(engine, "queue_depth", unreachable)
    assert "  Queue depth: unknown (the job engine cannot be reached: ConnectionError)" in _status()
