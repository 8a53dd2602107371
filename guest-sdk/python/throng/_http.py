"""`self.client`: a requests/Locust-style HTTP client over the host's `http.send`."""

import json as _json
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import urlencode

from componentize_py_types import Err
from wit_world.imports import http as _http

from ._context import param
from .metrics import Tags, _tags

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]], None]

_KINDS = {
    _http.HttpError_Timeout: "timeout",
    _http.HttpError_Connect: "connect",
    _http.HttpError_Tls: "tls",
    _http.HttpError_Protocol: "protocol",
    _http.HttpError_Denied: "denied",
    _http.HttpError_InvalidRequest: "invalid-request",
}


class RequestError(Exception):
    """A request got no response. The host has already recorded it as a
    failed request of its kind: `timeout`, `connect`, `tls`, `protocol`,
    `denied` (not allowed by the plan) or `invalid-request`. Left uncaught it
    fails the iteration, like an exception in a Locust task."""

    def __init__(self, kind: str, message: str, method: str, url: str) -> None:
        self.kind = kind
        self.message = message
        super().__init__(f"{method} {url}: {kind}: {message}")


class HTTPError(Exception):
    """Raised by `Response.raise_for_status()` for a 4xx or 5xx status."""


class CaseInsensitiveDict(dict):
    """Response headers; lookups ignore case. Repeated headers are joined
    with `, `."""

    def __init__(self, pairs: Iterable[Tuple[str, str]]) -> None:
        super().__init__()
        for k, v in pairs:
            k = k.lower()
            super().__setitem__(k, f"{self[k]}, {v}" if k in self else v)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class Response:
    """A response, whatever its status (a 500 is a response, not an error)."""

    def __init__(self, url: str, r: "_http.Response") -> None:
        self.url = url
        self.status_code: int = r.status
        self.headers = CaseInsensitiveDict(r.headers)
        self.content: bytes = bytes(r.body)
        #: Body bytes received from the network (also when discarded).
        self.bytes_received: int = r.bytes_received
        #: The host's phase timings in microseconds (`duration_us`, `waiting_us`, ...).
        self.timings = r.timings
        #: `http_req_duration` of this request, in milliseconds.
        self.elapsed_ms: float = r.timings.duration_us / 1000.0

    @property
    def ok(self) -> bool:
        """True when the status is below 400."""
        return self.status_code < 400

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return _json.loads(self.content)

    def raise_for_status(self) -> None:
        """Raise HTTPError when the status is 4xx or 5xx."""
        if self.status_code >= 400:
            raise HTTPError(f"{self.status_code} for {self.url}")

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


class Client:
    """Sends requests through the host. URLs starting with `/` are joined to
    `base_url` (the user's `host`, else the plan parameter `base_url`).
    `headers` are sent with every request (set `Authorization` after a
    login)."""

    def __init__(self, base_url: Optional[str] = None) -> None:
        self.base_url = base_url
        self.headers: Dict[str, str] = {}

    def _url(self, url: str) -> str:
        if not url.startswith("/"):
            return url
        base = self.base_url or param("base_url")
        if not base:
            raise ValueError(
                f"relative URL {url!r} needs `host` on the User class or a `base_url` param"
            )
        return base.rstrip("/") + url

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Mapping[str, object]] = None,
        headers: Headers = None,
        json: Any = None,
        data: Union[bytes, str, Mapping[str, object], None] = None,
        name: Optional[str] = None,
        tags: Tags = None,
        timeout: Optional[float] = None,
        discard: bool = False,
        ignore_response_headers: bool = False,
    ) -> Response:
        """Send one request and return its response.

        `json` sends a JSON body, `data` a raw (bytes, str) or form-encoded
        (dict) one; `name` groups the sample (default `METHOD path`);
        `tags` are extra tags; `timeout` is in seconds (default the plan's);
        `discard=True` streams the body away and only counts it;
        `ignore_response_headers=True` leaves the response's headers out
        (nothing is copied for a journey that never reads them).
        Raises `RequestError` when there is no response."""
        req = self._build(
            method,
            url,
            params=params,
            headers=headers,
            json=json,
            data=data,
            name=name,
            tags=tags,
            timeout=timeout,
            discard=discard,
        )
        send = _http.send_ignoring_headers if ignore_response_headers else _http.send
        return _exchange(req.method, req.url, lambda: send(req))

    def prepare(
        self, method: str, url: str, *, ignore_response_headers: bool = False, **kw: Any
    ) -> "PreparedRequest":
        """Keep a request to send it again and again: the host keeps it,
        checked, and each `send()` passes it only a handle, with nothing
        built or copied per request. Takes what `request` takes; the
        client's `headers` are those of now. For a journey that repeats one
        fixed request: prepare it once, in `on_start`."""
        req = self._build(method, url, **kw)
        return PreparedRequest(req, _http.PreparedRequest(req, not ignore_response_headers))

    def _build(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Mapping[str, object]] = None,
        headers: Headers = None,
        json: Any = None,
        data: Union[bytes, str, Mapping[str, object], None] = None,
        name: Optional[str] = None,
        tags: Tags = None,
        timeout: Optional[float] = None,
        discard: bool = False,
    ) -> "_http.Request":
        full = self._url(url)
        if params:
            full += ("&" if "?" in full else "?") + urlencode(params, doseq=True)
        sent: Dict[str, str] = dict(self.headers)
        if headers:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            sent.update((str(k), str(v)) for k, v in pairs)
        lower = {k.lower() for k in sent}
        body: Optional[bytes] = None
        if json is not None:
            body = _json.dumps(json).encode()
            if "content-type" not in lower:
                sent["content-type"] = "application/json"
        elif isinstance(data, Mapping):
            body = urlencode(data, doseq=True).encode()
            if "content-type" not in lower:
                sent["content-type"] = "application/x-www-form-urlencoded"
        elif isinstance(data, str):
            body = data.encode()
        elif data is not None:
            body = bytes(data)
        return _http.Request(
            method=method.upper(),
            url=full,
            headers=list(sent.items()),
            body=body,
            name=name,
            tags=_tags(tags),
            timeout_ms=None if timeout is None else max(1, round(timeout * 1000)),
            body_mode=_http.BodyMode.DISCARD if discard else _http.BodyMode.KEEP,
        )

    def get(self, url: str, **kw: Any) -> Response:
        """`request("GET", url, ...)`."""
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        """`request("POST", url, ...)`."""
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Response:
        """`request("PUT", url, ...)`."""
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> Response:
        """`request("PATCH", url, ...)`."""
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        """`request("DELETE", url, ...)`."""
        return self.request("DELETE", url, **kw)

    def head(self, url: str, **kw: Any) -> Response:
        """`request("HEAD", url, ...)`."""
        return self.request("HEAD", url, **kw)

    def options(self, url: str, **kw: Any) -> Response:
        """`request("OPTIONS", url, ...)`."""
        return self.request("OPTIONS", url, **kw)



class PreparedRequest:
    """A request the host keeps, made by `Client.prepare`; `send()` sends it
    again and again."""

    def __init__(self, req: "_http.Request", handle: "_http.PreparedRequest") -> None:
        self.method: str = req.method
        self.url: str = req.url
        self._handle = handle

    def send(self) -> Response:
        """Send the kept request and return its response; raises
        `RequestError` when there is none, as `Client.request` does."""
        return _exchange(self.method, self.url, self._handle.send)


def _exchange(method: str, url: str, sent: Callable[[], "_http.Response"]) -> Response:
    """The response `sent()` returns, or its error as a `RequestError`."""
    try:
        return Response(url, sent())
    except Err as e:
        kind = _KINDS.get(type(e.value), "error")
        raise RequestError(kind, e.value.value, method, url) from None
