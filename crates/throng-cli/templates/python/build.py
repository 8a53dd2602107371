"""Build journey.py into journey.wasm: `python3 build.py`.

Makes a venv in .venv with the pinned componentize-py (requirements.txt) the
first time, then runs it against wit/ (world `vu`). Needs Python 3.10+.
Set COMPONENTIZE_PY to the path of an installed componentize-py of the
pinned version to use it instead of .venv.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")
PINNED = (HERE / "requirements.txt").read_text()
STAMP = VENV / "requirements.txt"

tool = os.environ.get("COMPONENTIZE_PY")
if not tool:
    tool = BIN / "componentize-py"
    if not tool.exists() or not STAMP.exists() or STAMP.read_text() != PINNED:
        print("installing componentize-py into .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
        subprocess.run(
            [BIN / "python", "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", "-r", HERE / "requirements.txt"],
            check=True,
        )
        STAMP.write_text(PINNED)

subprocess.run(
    [tool, "-d", "wit", "-w", "vu", "componentize", "journey", "-o", "journey.wasm"],
    cwd=HERE,
    check=True,
)
