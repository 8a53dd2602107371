"""`User`, `@task` and the wait-time helpers, as Locust spells them."""

from typing import Any, Callable, Dict, List, Optional, Tuple

from wit_world.imports import clock

from ._context import random
from ._http import Client

WaitTime = Callable[["User"], float]

_USERS: List[type] = []


def task(weight: Any = 1) -> Any:
    """Mark a method as a task: `@task` (weight 1) or `@task(4)`.

    The method's name is the task's name (what the results show under
    `iterations`). Weight 0 keeps a task out of the random draw."""

    def mark(func: Callable[..., Any], weight: int) -> Callable[..., Any]:
        if not isinstance(weight, int) or weight < 0:
            raise ValueError(f"@task weight must be a whole number >= 0, not {weight!r}")
        func.throng_task_weight = weight  # type: ignore[attr-defined]
        return func

    if callable(weight):
        return mark(weight, 1)
    return lambda func: mark(func, weight)


def between(min_wait: float, max_wait: float) -> WaitTime:
    """Wait a uniformly random time between `min_wait` and `max_wait` seconds
    after each task (drawn from the VU's host-seeded generator)."""
    return lambda user: min_wait + random() * (max_wait - min_wait)


def constant(wait: float) -> WaitTime:
    """Wait `wait` seconds after each task."""
    return lambda user: wait


def constant_pacing(wait: float) -> WaitTime:
    """Start a task every `wait` seconds: wait what is left of `wait` after
    the task (nothing when the task took longer)."""

    def pace(user: "User") -> float:
        took = (clock.now_us() - user._task_started_us) / 1e6
        return max(0.0, wait - took)

    return pace


def constant_throughput(per_second: float) -> WaitTime:
    """At most `per_second` tasks per second for this VU."""
    return constant_pacing(1.0 / per_second)


class User:
    """One virtual user. Subclass it once per journey module.

    Class attributes, as in Locust:
    - `host`: the base URL relative request paths are joined to (default:
      the plan parameter `base_url`);
    - `wait_time`: `between(a, b)`, `constant(s)`, `constant_pacing(s)`,
      `constant_throughput(n)` or any function of the user returning
      seconds (default: no wait; the plan's `think_time` then paces the VU
      outside the guest, which is cheaper);
    - `tasks`: instead of `@task` methods, a list of methods or a dict from
      method to weight;
    - `abstract = True`: a base class that is not itself a journey.

    One instance lives per VU, so attributes set in `on_start` (a token)
    last for all its iterations."""

    host: Optional[str] = None
    wait_time: Optional[WaitTime] = None
    abstract: bool = True

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "abstract" not in cls.__dict__:
            cls.abstract = False
            _USERS.append(cls)

    def __init__(self) -> None:
        self.client = Client(self.host)
        self._task_started_us = 0

    def on_start(self) -> None:
        """Called once per VU before its first task (log in here)."""

    def on_stop(self) -> None:
        """Called once per VU after its last task."""


def task_table(cls: type) -> Dict[str, Tuple[Callable[..., Any], int]]:
    """The tasks of `cls` by name, in definition order, with their weights."""
    table: Dict[str, Tuple[Callable[..., Any], int]] = {}
    declared = getattr(cls, "tasks", None)
    if declared:
        items = declared.items() if isinstance(declared, dict) else ((f, 1) for f in declared)
        for func, weight in items:
            table[func.__name__] = (func, int(weight))
        return table
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            weight = getattr(value, "throng_task_weight", None)
            if weight is not None:
                table[name] = (value, weight)
    return table


def user_class() -> type:
    """The one concrete `User` subclass of the journey."""
    concrete = [c for c in _USERS if not c.__dict__.get("abstract", False)]
    if len(concrete) != 1:
        names = ", ".join(c.__name__ for c in concrete) or "none"
        raise RuntimeError(
            f"a Python journey defines exactly one User subclass (found: {names}); "
            "mark base classes with `abstract = True`"
        )
    return concrete[0]
