"""throng's Python SDK: write a journey the way you would write a Locust user.

    from throng import User, task, between, check

    class Clinician(User):
        wait_time = between(1, 5)

        def on_start(self):
            r = self.client.post("/login", json={"username": "clinician", "password": "secret"})
            check("login ok", r.status_code == 200)

        @task(4)
        def ask(self):
            r = self.client.post("/query", json={"patient_id": 1, "question": "Allergies?"}, name="query")
            check("query ok", r.status_code == 200)

        @task
        def health(self):
            self.client.get("/health", name="health")

Build it into a component with componentize-py against throng's `wit/`
folder (world `vu`); see README.md. The module you build must expose the
name `Journey`: `from throng import *` does it, and so does
`from throng import Journey`.

Everything here runs inside the component: requests go through the host's
HTTP client (`throng:vu/http`), so they are timed, named, checked against the
plan's allow list and recorded like any other journey's.
"""

from . import data, log, metrics
from ._context import iteration, now_ms, param, random, scenario, sleep, vu_id
from ._http import Client, PreparedRequest, RequestError, Response
from ._journey import Journey
from ._user import User, between, constant, constant_pacing, constant_throughput, task
from .metrics import check

__all__ = [
    "Client",
    "Journey",
    "PreparedRequest",
    "RequestError",
    "Response",
    "User",
    "between",
    "check",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "data",
    "iteration",
    "log",
    "metrics",
    "now_ms",
    "param",
    "random",
    "scenario",
    "sleep",
    "task",
    "vu_id",
]
