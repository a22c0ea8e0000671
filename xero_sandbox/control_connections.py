"""The control API's part for a connection Xero refuses, each with Xero's status and body (the BMS
side classifies them by what fixes them, bms/xero/client/refusals.py):

    POST /_sandbox/grants/{id}/scope          {"remove": ["accounting.manualjournals"]}: the grant no longer holds
                                              these scopes, tokens already issued included; its calls then answer
                                              401 `WWW-Authenticate: Bearer error="insufficient_scope"` (xero-notes
                                              §1.3, §4) until a consent asks for them again (scopes are additive)
    POST /_sandbox/tenants/{id}/disconnect    an admin disconnects the app in Xero (Settings → Connected apps): every
                                              connection to the organisation goes; calls with its tenant id answer
                                              403 `AuthenticationUnsuccessful` (xero-notes §1.6)
    POST /_sandbox/tenants/{id}/roles         {"deny": ["manualjournals"], "user_id"? ("*": everyone), "reads"?}: what
                                              a Xero user's role refuses here (roles.py); {"deny": []} gives it back

A revoked grant is `POST /_sandbox/grants/{id}/revoke` (control.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xero_sandbox.control import ControlError, _json
from xero_sandbox.control_part import ControlPart
from xero_sandbox.roles import roles_set


class ConnectionControl(ControlPart):
    def table(self):
        return [
            ("/_sandbox/grants/{grant_id}/scope", self.grant_scope),
            ("/_sandbox/tenants/{tenant_id}/disconnect", self.disconnect),
            ("/_sandbox/tenants/{tenant_id}/roles", self.roles),
        ]

    async def grant_scope(self, request: Request) -> Response:
        grant_id = request.path_params["grant_id"]
        if grant_id not in self.sandbox.store.grants:
            raise ControlError("unknown grant", 404)
        remove = (await _json(request)).get("remove")
        if not isinstance(remove, list) or not all(isinstance(scope, str) for scope in remove):
            raise ControlError('send {"remove": ["scope", …]}')
        with self.sandbox.store.lock:
            grant = self.sandbox.store.grants[grant_id]
            grant["scope"] = " ".join(scope for scope in grant["scope"].split() if scope not in remove)
            self.sandbox.store.changed()
            return JSONResponse({"scope": grant["scope"]})

    async def disconnect(self, request: Request) -> Response:
        org = self._org(request)
        store = self.sandbox.store
        with store.lock:
            gone = [key for key, connection in store.connections.items() if connection["tenant_id"] == org["tenant_id"]]
            for key in gone:
                del store.connections[key]
            store.changed()
        return JSONResponse({"disconnected": len(gone)})

    async def roles(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        deny, user_id = values.get("deny"), values.get("user_id", "*")
        if not isinstance(deny, list) or not all(isinstance(family, str) for family in deny) \
                or not isinstance(user_id, str):
            raise ControlError('send {"deny": ["manualjournals", …], "user_id"?: "…"}')
        with self.sandbox.store.lock:
            try:
                rules = roles_set(org, user_id=user_id, deny=deny, reads=values.get("reads") is True)
            except ValueError as exc:
                raise ControlError(str(exc)) from None
            self.sandbox.store.changed()
            return JSONResponse({"roles": rules})
