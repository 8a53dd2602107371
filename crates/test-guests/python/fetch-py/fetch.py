"""Sends plain `wasi:http` requests with componentize-py's own `poll_loop`,
not throng's SDK client; see ../README.md for the checks it records."""

import asyncio
from urllib.parse import urlparse

import poll_loop
from componentize_py_types import Err
from poll_loop import PollLoop, Stream
from wit_world.imports.types import (
    ErrorCode_HttpRequestDenied,
    Fields,
    Method_Get,
    OutgoingRequest,
    Scheme_Http,
    Scheme_Https,
)

from throng import Journey, User, check, log, param, task

_loop = None


async def get(url: str, name: str = ""):
    """GET `url` through wasi:http; returns (status, body)."""
    u = urlparse(url)
    headers = [("x-throng-name", name.encode())] if name else []
    req = OutgoingRequest(Fields.from_list(headers))
    req.set_method(Method_Get())
    req.set_scheme(Scheme_Https() if u.scheme == "https" else Scheme_Http())
    req.set_authority(u.netloc)
    req.set_path_with_query(u.path + (f"?{u.query}" if u.query else ""))
    resp = await poll_loop.send(req)
    status = resp.status()
    stream = Stream(resp.consume())
    body = b""
    while (chunk := await stream.next()) is not None:
        body += chunk
    return status, body


def run(coro):
    global _loop
    if _loop is None:
        _loop = PollLoop()
        asyncio.set_event_loop(_loop)
    return _loop.run_until_complete(coro)


class Fetcher(User):
    @task
    def default(self):
        status, body = run(get(param("url"), param("name", "")))
        check("allowed fetch is 200", status == 200 and len(body) > 0)
        # An authority, not a URL: the default allow list takes the hosts of
        # the params' URLs only.
        denied = param("denied_authority")
        if denied:
            try:
                status, _ = run(get(f"http://{denied}/steal"))
                log.warning(f"denied fetch answered {status}")
                check("refused as denied", False)
            except Err as e:
                log.info(f"denied fetch raised {e.value!r}")
                check("refused as denied", isinstance(e.value, ErrorCode_HttpRequestDenied))


__all__ = ["Journey", "Fetcher"]
