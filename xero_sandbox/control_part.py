"""One part of the control API: POST endpoints that act on one organisation named in the path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xero_sandbox.control import ControlError, _handled

if TYPE_CHECKING:
    from xero_sandbox.app import Sandbox


class ControlPart:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def table(self) -> list[tuple[str, Callable[[Request], Awaitable[Response]]]]:
        raise NotImplementedError

    def routes(self) -> list[Route]:
        return [Route(path, _handled(handler), methods=["POST"]) for path, handler in self.table()]

    def _org(self, request: Request) -> dict:
        org = self.sandbox.store.org(request.path_params["tenant_id"])
        if org is None:
            raise ControlError("unknown tenant", 404)
        return org
