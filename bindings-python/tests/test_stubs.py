"""The checked-in stubs (_native.pyi) name exactly what the native module has."""

import ast
import pathlib
from typing import Dict, Set

from credmint import _native

STUB = pathlib.Path(__file__).resolve().parents[1] / "python" / "credmint" / "_native.pyi"


def stub_names() -> Dict[str, Set[str]]:
    tree = ast.parse(STUB.read_text())
    names: Dict[str, Set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {
                item.name for item in node.body if isinstance(item, ast.FunctionDef) and item.name != "__init__"
            }
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = set()
    return names


def test_stub_matches_the_native_module() -> None:
    stubs = stub_names()
    public = {name for name in dir(_native) if not name.startswith("__") or name == "__version__"}
    assert set(stubs) == public
    for name, members in stubs.items():
        if members:
            actual = {m for m in dir(getattr(_native, name)) if not m.startswith("_") or m == "__len__"}
            assert members == actual, name
