"""The `journey` export: maps the User class onto what the host calls."""

import traceback
from typing import Any, Callable, List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.journey import TaskInfo
from wit_world.imports import clock

from ._context import sleep
from ._user import User, task_table, user_class

# One VU per component instance, so module state is this VU's state.
_user: Optional[User] = None


def _vu() -> User:
    global _user
    if _user is None:
        _user = user_class()()
    return _user


def _failure(e: BaseException) -> str:
    """`Type: message (at file:line in func)` for the host's error report."""
    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    if frames:
        f = frames[-1]
        where = f" (at {f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name})"
    return f"{type(e).__name__}: {e}{where}"


def _run(step: Callable[[], Any]) -> None:
    """Run `step`; any exception becomes the export's error (a failed start
    or iteration), never a trap that would take the VU down."""
    try:
        step()
    except Err:
        raise
    except BaseException as e:  # noqa: BLE001 - every failure is reported
        raise Err(_failure(e)) from None


class Journey(exports.Journey):
    """What componentize-py exports as `throng:vu/journey`."""

    def tasks(self) -> List[TaskInfo]:
        return [TaskInfo(name, weight) for name, (_, weight) in task_table(user_class()).items()]

    def on_start(self) -> None:
        _run(lambda: _vu().on_start())

    def iteration(self, task: str) -> None:
        def step() -> None:
            user = _vu()
            table = task_table(type(user))
            if task not in table:
                raise LookupError(f"no task named {task!r} (tasks: {', '.join(table)})")
            user._task_started_us = clock.now_us()
            try:
                table[task][0](user)
            finally:
                # Read from the class, a function is not bound to the user;
                # set on the instance (in on_start), it never was.
                wait = vars(user).get("wait_time", type(user).wait_time)
                if wait is not None:
                    sleep(float(wait(user)))

        _run(step)

    def on_stop(self) -> None:
        try:
            _vu().on_stop()
        except BaseException as e:  # noqa: BLE001 - on_stop has no error to return
            from . import log

            log.warning(f"on_stop failed: {_failure(e)}")
