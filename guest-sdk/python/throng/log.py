"""Messages for the person running the test (rate-limited by the host).

`print()` works too: the host logs each line a guest writes to stdout
(info) or stderr (warn).
"""

from wit_world.imports import log as _log

_L = _log.Level


def debug(message: object) -> None:
    """Log fine detail."""
    _log.write(_L.DEBUG, str(message))


def info(message: object) -> None:
    """Log normal progress."""
    _log.write(_L.INFO, str(message))


def warning(message: object) -> None:
    """Log something that looks wrong."""
    _log.write(_L.WARN, str(message))


warn = warning


def error(message: object) -> None:
    """Log a failure."""
    _log.write(_L.ERROR, str(message))
