"""Annotations read as a type checker reads them.

The client modules import the types of their own methods' annotations for type checkers only (so that importing a
client class loads neither httpx nor the models): evaluating those annotations at run time needs the names of
their ``if TYPE_CHECKING:`` blocks, which :func:`checker_names` gives.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from typing import Any


def checker_names(*module_names: str) -> dict[str, Any]:
    """The globals of each module, with the names its top-level ``if TYPE_CHECKING:`` blocks import."""
    names: dict[str, Any] = {}
    for module_name in module_names:
        module = importlib.import_module(module_name)
        names.update(vars(module))
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                imports = [n for n in node.body if isinstance(n, ast.Import | ast.ImportFrom)]
                code = compile(ast.Module(body=imports, type_ignores=[]), module.__file__ or module_name, "exec")
                exec(code, names)  # noqa: S102 - the package's own import statements
    return names


CLIENT_NAMES = checker_names("gradient_evals._client", "gradient_evals._sync")


def evaluated(signature: inspect.Signature, names: dict[str, Any] | None = None) -> inspect.Signature:
    """``signature`` with every annotation still a string evaluated against ``names`` (the clients' by default)."""
    scope = CLIENT_NAMES if names is None else names

    def value(annotation: Any) -> Any:
        return eval(annotation, scope) if isinstance(annotation, str) else annotation  # noqa: S307

    parameters = [p.replace(annotation=value(p.annotation)) for p in signature.parameters.values()]
    return signature.replace(parameters=parameters, return_annotation=value(signature.return_annotation))
