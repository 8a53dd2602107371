"""Tries to leave the sandbox; see ../README.md for the checks it records."""

import os
import socket
import time

from throng import Journey, User, check, log, param, task


def refused(what: str, attempt) -> bool:
    """True when `attempt()` raised; logs what happened either way."""
    try:
        got = attempt()
    except Exception as e:  # noqa: BLE001 - any refusal will do
        log.info(f"{what}: refused with {type(e).__name__}: {e}")
        return True
    log.warning(f"{what}: allowed, got {got!r}")
    return False


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


def connect(port: int) -> str:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        return "a connection"
    finally:
        s.close()


class Sandbox(User):
    @task
    def default(self):
        check("environment empty", len(os.environ) == 0)
        check("env var hidden", os.environ.get(param("env_var", "HOME")) is None)
        check("file unreadable", refused("file", lambda: read(param("file", "/etc/passwd"))))
        check("hostname unreadable", refused("hostname", lambda: read("/etc/hostname")))
        check("root unlistable", refused("listdir", lambda: os.listdir("/")))
        check("socket refused", refused("socket", lambda: connect(int(param("port", "80")))))
        check("random works", len(os.urandom(16)) == 16)
        check("clock works", time.time() > 1_577_836_800)
        print("sandbox checked")


__all__ = ["Journey", "Sandbox"]
