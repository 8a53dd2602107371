"""Build journey.py into journey.wasm: `python3 build.py`.

Makes a venv in .venv with the pinned componentize-py (requirements.txt) the
first time, then runs it against wit/ (world `vu`). Needs Python 3.10+.
"""

import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")
TOOL = BIN / "componentize-py"
PINNED = (HERE / "requirements.txt").read_text()
STAMP = VENV / "requirements.txt"

if not TOOL.exists() or not STAMP.exists() or STAMP.read_text() != PINNED:
    print("installing componentize-py into .venv ...", flush=True)
    venv.create(VENV, with_pip=True)
    subprocess.run(
        [BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", HERE / "requirements.txt"],
        check=True,
    )
    STAMP.write_text(PINNED)

subprocess.run(
    [TOOL, "-d", "wit", "-w", "vu", "componentize", "journey", "-o", "journey.wasm"],
    cwd=HERE,
    check=True,
)
