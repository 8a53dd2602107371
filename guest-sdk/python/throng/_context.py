"""Facts about this VU and the host's clock."""

from typing import Optional, TypeVar

from wit_world.imports import clock, context

D = TypeVar("D")


def param(key: str, default: D = None) -> "str | D":
    """The plan parameter `key` (`[params]`, `-p key=value`), or `default`."""
    value: Optional[str] = context.param(key)
    return default if value is None else value


def vu_id() -> int:
    """This VU's number, from 1."""
    return context.vu_id()


def iteration() -> int:
    """This VU's iteration number, from 0 (0 during `on_start`)."""
    return context.iteration()


def scenario() -> str:
    """The name of this VU's scenario."""
    return context.scenario()


def random() -> float:
    """A float in [0, 1) from this VU's own generator, seeded by the host."""
    return (context.random() >> 11) / float(1 << 53)


def now_ms() -> float:
    """Milliseconds since this VU's run started, from the host's monotonic clock."""
    return clock.now_us() / 1000.0


def sleep(seconds: float) -> None:
    """Suspend this VU for `seconds`; the host sleeps, holding no thread."""
    ms = round(seconds * 1000)
    if ms > 0:
        clock.sleep_ms(ms)
