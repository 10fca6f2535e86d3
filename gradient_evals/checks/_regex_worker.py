"""The process a ``regex`` check runs its pattern in, so that a catastrophic pattern can be stopped.

Python's ``re`` cannot be interrupted inside one match (it holds the interpreter; signals wait for it), so the
pattern runs here, in a child process the parent can kill. Run as a script (``python -I _regex_worker.py``): it
imports nothing but the standard library, never the package, so it starts in a few tens of milliseconds.

Protocol, one JSON document per line: the parent writes ``{"pattern": str, "flags": int, "texts": [str, ...]}``;
the worker answers ``ready`` once the pattern is compiled, then one line per text, in order: ``1`` (a match was
found) or ``0``. The parent waits for each line at most the check's time budget, and kills the worker when one is
late.
"""

import json
import re
import sys


def main() -> None:
    out = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        search = re.compile(job["pattern"], job["flags"]).search
        out.write("ready\n")
        out.flush()
        for text in job["texts"]:
            out.write("1\n" if search(text) is not None else "0\n")
            out.flush()


if __name__ == "__main__":
    main()
