"""A stand-in for the Supervisor's ``/services/mqtt`` endpoint (aiohttp, on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.http import serve_on_loopback

TOKEN = "supervisor-token-123"


@dataclass
class StandInSupervisor:
    """Answers ``GET /services/mqtt`` like the Supervisor; records the requests."""

    answer: dict[str, Any]
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def services_mqtt(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"result": "error", "message": "Unauthorized"}, status=401)
        return web.json_response(self.answer, status=self.status)


def broker_answer(port: int, **data: Any) -> dict[str, Any]:
    """The Supervisor's answer when the Mosquitto add-on provides the service."""
    return {
        "result": "ok",
        "data": {
            "host": "127.0.0.1",
            "port": port,
            "ssl": False,
            "protocol": "3.1.1",
            "username": "addons",
            "password": "broker-secret",
            "addon": "core_mosquitto",
            **data,
        },
    }


NO_SERVICE = {"result": "error", "message": "Service not enabled"}


@asynccontextmanager
async def stand_in_supervisor(
    answer: dict[str, Any], status: int = 200
) -> AsyncIterator[StandInSupervisor]:
    supervisor = StandInSupervisor(answer, status)
    app = web.Application()
    app.router.add_get("/services/mqtt", supervisor.services_mqtt)
    async with serve_on_loopback(app, access_log=None) as port:
        supervisor.url = f"http://127.0.0.1:{port}"
        yield supervisor
