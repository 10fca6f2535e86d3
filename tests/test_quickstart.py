"""The README's first example runs exactly as written: its shell lines in bash, the example saved as the file
they run, nothing substituted. The ids come from the emulator, through ``gradient-evals emulator --env``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _quick_start() -> tuple[str, str]:
    """The shell block that starts the emulator with ``--env``, and the Python block right after it."""
    blocks = [(m.group(1), m.group(2)) for m in _FENCE.finditer(README.read_text(encoding="utf-8"))]
    for index, (language, body) in enumerate(blocks):
        if language == "bash" and "gradient-evals emulator --env" in body:
            following = blocks[index + 1]
            assert following[0] == "python", "the example follows the commands that run it"
            return body, following[1]
    raise AssertionError("the README shows no `gradient-evals emulator --env` quick start")


@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's commands are bash")
def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    commands, example = _quick_start()
    assert "python quickstart.py" in commands
    (tmp_path / "quickstart.py").write_text(example, encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    # `python` and `gradient-evals` are this environment's, as they are for a reader who installed the package.
    shim = "" if (bin_dir / "gradient-evals").exists() else 'gradient-evals() { python -m gradient_evals "$@"; }\n'
    script = (
        shim
        + commands
        + 'status=$?\nkill "$GRADIENT_EMULATOR_PID"\n'
        # The emulator ends on SIGTERM; wait for it, so that no server outlives the test.
        + 'while kill -0 "$GRADIENT_EMULATOR_PID" 2>/dev/null; do sleep 0.05; done\nexit $status\n'
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GRADIENT_") and name != "DIGITALOCEAN_ACCESS_TOKEN"
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    with (tmp_path / "stderr.txt").open("w+", encoding="utf-8") as errors:  # a file: the emulator keeps it open
        result = subprocess.run(  # noqa: S603 - bash running the README's own commands
            ["bash", "-c", script],  # noqa: S607
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            timeout=300,
            check=False,
        )
        errors.seek(0)
        stderr = errors.read()
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "EVALUATION_RUN_SUCCESSFUL True", lines  # the new run's status, printed by the example
    # Then one line per prompt result: its id and its correctness, read page by page once the run finished.
    assert len(lines) > 2, lines
    assert all(re.fullmatch(r"\d+ (\d+(\.\d+)?|None)", line) for line in lines[1:]), lines
