"""Find every error code pbkit raises, by reading its source (used by test_error_codes).

A raise site is a call of an error class (:class:`pbkit.errors.PbkitError` and its
subclasses, :class:`pbkit.data.report.Issue`) or of a function that passes one of its own
parameters on as such a call's code (``doc.error(path, key)``, ``self.emit(..., key, ...)``),
found to a fixed point. A code written as an f-string stands for every registered code
its constant prefix starts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "pbkit"
BASES = {"PbkitError", "Issue", "_DecodeProblem"}


@dataclass
class Site:
    where: str
    code: str            # constant code, or an f-string's constant prefix
    prefix: bool = False
    params: set[str] | None = field(default=None)   # None: not known statically (**kw)
    cls: str = ""


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


@cache
def _trees() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))}


def _classes(trees) -> set[str]:
    classes = set(BASES)
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes and any(
                        _name(b) in classes for b in node.bases):
                    classes.add(node.name)
                    grown = True
    return classes


def _code_arg(call: ast.Call, index: int, kw: str | None) -> ast.expr | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == kw), None)


def _given(call: ast.Call) -> set[str]:
    """The values a call names (``**kw`` aside)."""
    names = set() if _name(call.func) == "Issue" else {k.arg for k in call.keywords if k.arg}
    for k in call.keywords:
        if k.arg == "params" and isinstance(k.value, ast.Dict):
            names |= {d.value for d in k.value.keys if isinstance(d, ast.Constant)}
    return names


def _params(call: ast.Call) -> set[str] | None:
    """The message values a call gives (an Issue's come in its ``params`` dict)."""
    if any(k.arg is None for k in call.keywords):
        return None
    names = set() if _name(call.func) == "Issue" else {k.arg for k in call.keywords}
    for k in call.keywords:
        if k.arg == "params":
            if not isinstance(k.value, ast.Dict):
                return None
            names |= {d.value for d in k.value.keys if isinstance(d, ast.Constant)}
    return names


def _lambda_keys(call: ast.Call) -> set[str] | None:
    """Message values given by a ``lambda p: {...}`` argument (``emit``)."""
    for arg in call.args:
        if isinstance(arg, ast.Lambda) and isinstance(arg.body, ast.Dict):
            return {k.value for k in arg.body.keys if isinstance(k, ast.Constant)}
    return None


@cache
def _sites() -> tuple[Site, ...]:
    return tuple(_scan())


def sites() -> list[Site]:
    """Every raise site whose code is a constant or an f-string (cached)."""
    return list(_sites())


def _scan() -> list[Site]:
    """Every raise site whose code is a constant or an f-string."""
    trees = _trees()
    classes = _classes(trees)
    # a decoding problem is caught by the reader and reported as an Issue
    callables = {c: (1 if c == "Issue" else 0, "key", "Issue" if c == "_DecodeProblem" else c,
                     set()) for c in classes}
    grown = True
    while grown:  # functions that hand one of their parameters on as the code
        grown = False
        for tree in trees.values():
            for fn in ast.walk(tree):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                        fn.name in classes:
                    continue
                args = [a.arg for a in fn.args.args]
                offset = 1 if args[:1] in (["self"], ["cls"]) else 0
                for call in ast.walk(fn):
                    if isinstance(call, ast.Call) and _name(call.func) in callables:
                        index, kw, cls, added = callables[_name(call.func)]
                        arg = _code_arg(call, index, kw)
                        if isinstance(arg, ast.Name) and arg.id in args:
                            # the values the wrapper itself passes on
                            own = _given(call) - {kw}
                            entry = (args.index(arg.id) - offset, arg.id, cls, added | own)
                            old = callables.get(fn.name)
                            if old is not None:  # the same name elsewhere: values of both
                                entry = (*old[:3], old[3] | entry[3])
                            if entry != old:
                                callables[fn.name] = entry
                                grown = True
                            break
    found = []
    defined = {path: {n.name for n in ast.walk(tree)
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
               for path, tree in trees.items()}
    for path, tree in trees.items():
        for fn, call in _calls(tree):
            name = _name(call.func)
            if name == "__init__" and isinstance(call.func, ast.Attribute) and isinstance(
                    call.func.value, ast.Call) and _name(call.func.value.func) == "super" \
                    and fn is not None and fn[0] in classes:
                name = fn[0]  # super().__init__(code, ...) inside an error class
            if name not in callables:
                continue
            index, kw, cls, added = callables[name]
            arg = _code_arg(call, index, kw)
            where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
            lambda_params = {a.arg for node in ast.walk(fn[1]) if isinstance(node, ast.Lambda)
                             for a in (*node.args.args, *node.args.kwonlyargs)} if fn else set()
            if isinstance(arg, ast.Name) and fn is not None and arg.id not in fn[2] | lambda_params \
                    and (name in classes or name in defined.get(path, ())):
                # a code picked into a variable: the dotted constants assigned to it
                for value in _assigned(fn[1], arg.id):
                    for node in ast.walk(value):
                        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                                and _looks_like_code(node.value):
                            found.append(Site(where, node.value, False, None, cls))
                continue
            params = _params(call)
            if _name(call.func) == "emit":
                params = _lambda_keys(call)
            if params is not None:
                params = (params | added) - {"params", "severity", "report", "key"}
                if cls not in ("Issue", "ConfigError", "ScenarioError", "PbkitError",
                               "UsageError", "StoreError", "StoreFieldError"):
                    params -= {"file", "table", "row", "column"}  # the location prefix
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                found.append(Site(where, arg.value, False, params, cls))
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                found.append(Site(where, arg.values[0].value, True, params, cls))
            elif isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant):
                found.append(Site(where, arg.left.value, True, params, cls))
    return found


def _assigned(fn: ast.AST, name: str):
    """The expressions assigned to ``name`` in ``fn`` (``=``, ``for ... in``)."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(
                name in {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
                for t in node.targets):
            yield node.value
        elif isinstance(node, (ast.For, ast.comprehension)) and name in {
                n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}:
            yield node.iter


def _looks_like_code(text: str) -> bool:
    parts = text.split(".")
    return len(parts) > 1 and all(p and p.replace("_", "").isalnum() and p.isascii()
                                  for p in parts) and text[0].isalpha()


def _calls(tree: ast.Module):
    """(enclosing (class name, function, parameter names) or None, call) for every call."""
    def visit(node, cls, fn):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, child.name, fn)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = {a.arg for a in (*child.args.args, *child.args.kwonlyargs)}
                yield from visit(child, cls, (cls, child, params))
            else:
                if isinstance(child, ast.Call):
                    yield fn, child
                yield from visit(child, cls, fn)
    yield from visit(tree, None, None)


def registry_from_source(catalog: dict) -> dict[str, list[str]]:
    """code -> sorted error classes, as the source raises them (f-strings expanded)."""
    out: dict[str, set[str]] = {}
    for site in sites():
        codes = [k for k in catalog if k.startswith(site.code)] if site.prefix else [site.code]
        for code in codes:
            out.setdefault(code, set()).add(site.cls)
    return {code: sorted(classes) for code, classes in sorted(out.items())}


HEADER = """\
# Every error code pbkit raises. The code is also the message key in pbkit/i18n/catalogs,
# where its zh and en templates live (not repeated here); 'raised_as' names the error
# classes it is raised with (Issue: a line of a validation report). docs/errors.md is
# generated from this file and the catalogs (python -m pbkit.errors > docs/errors.md).
# tests/foundation/test_error_codes.py checks that every code raised is listed here, every
# code listed is raised, and every placeholder of a template is given at each raise site;
# to rewrite this file from the source: python tests/foundation/error_scan.py
"""


def registry_text(catalog: dict) -> str:
    lines = [f"{code}: {{raised_as: [{', '.join(classes)}]}}"
             for code, classes in registry_from_source(catalog).items()]
    return HEADER + "\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT.parent))
    from pbkit.i18n import catalog as _catalog

    (ROOT / "errors.yaml").write_text(registry_text(_catalog()), encoding="utf-8")
