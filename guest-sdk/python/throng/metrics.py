"""Checks and custom metrics (k6's four kinds) and transactions."""

from typing import Iterable, Mapping, Optional, Tuple, Union

from wit_world.imports import metrics as _m

Tags = Union[Mapping[str, object], Iterable[Tuple[str, object]], None]


def _tags(tags: Tags) -> "list[tuple[str, str]]":
    if not tags:
        return []
    pairs = tags.items() if isinstance(tags, Mapping) else tags
    return [(str(k), str(v)) for k, v in pairs]


def check(name: str, ok: object) -> bool:
    """Record the check `name` as passed when `ok` is truthy; returns it as a bool."""
    return _m.check(name, bool(ok))


def counter(name: str, value: float = 1.0, tags: Tags = None) -> None:
    """Add `value` (finite, not negative) to the counter `name`."""
    _m.add_counter(name, float(value), _tags(tags))


def gauge(name: str, value: float, tags: Tags = None) -> None:
    """Set the gauge `name` to `value`."""
    _m.set_gauge(name, float(value), _tags(tags))


def rate(name: str, hit: object, tags: Tags = None) -> None:
    """Count one event of the rate `name`, a hit when `hit` is truthy."""
    _m.add_rate(name, bool(hit), _tags(tags))


def trend(name: str, value: float, tags: Tags = None) -> None:
    """Add `value` (finite, not negative) to the trend `name`."""
    _m.add_trend(name, float(value), _tags(tags))


class transaction:
    """Time a step of several requests, timed by the host:

        with metrics.transaction("checkout") as t:
            ...
            if not ok:
                t.fail()

    It ends as failed when `fail()` was called or an exception leaves the
    block (the exception goes on).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = True

    def fail(self) -> None:
        """Mark the transaction as failed; it still ends with the block."""
        self.ok = False

    def __enter__(self) -> "transaction":
        _m.start_transaction(self.name)
        return self

    def __exit__(self, exc_type: Optional[type], exc: object, tb: object) -> bool:
        _m.end_transaction(self.name, self.ok and exc_type is None)
        return False
