"""Checks the Swift package without a Swift toolchain (none installs on Linux here):

1. every Swift file parses with tree-sitter-swift (uniffi's
   `@_documentation(visibility: private)` attributes, unknown to the grammar,
   are blanked first);
2. the C header compiles (`cc -fsyntax-only`);
3. every function the header declares is exported by the library, and every
   uniffi symbol the library exports is declared;
4. the contract version and the checksums the Swift file checks at load time
   are what the library returns (called through ctypes).

Usage: python check_swift.py LIBRARY
"""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from pathlib import Path

import tree_sitter
import tree_sitter_swift

HERE = Path(__file__).resolve().parent
GENERATED = HERE / "Sources/Credmint/Credmint.generated.swift"
HEADER = HERE / "CFFI/credmint_ffiFFI.h"


def syntax_errors(path: Path, parser: tree_sitter.Parser) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"@_documentation\(visibility: private\)", lambda m: " " * len(m.group()), text)
    tree = parser.parse(text.encode())
    errors: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            errors.append(f"{path.relative_to(HERE)}:{node.start_point[0] + 1}: {node.type}")
        stack.extend(node.children)
    return errors


def main(library: str) -> int:
    problems: list[str] = []
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    swift_files = sorted(HERE.rglob("*.swift"))
    for path in swift_files:
        problems += syntax_errors(path, parser)

    compiled = subprocess.run(
        ["cc", "-fsyntax-only", "-D_Nullable=", "-D_Nonnull=", "-x", "c", str(HEADER)],
        capture_output=True, text=True,
    )
    if compiled.returncode != 0:
        problems.append("header does not compile:\n" + compiled.stderr)

    header = HEADER.read_text(encoding="utf-8")
    declared = set(re.findall(r"^\w[\w\s\*]*?\b((?:uniffi|ffi)_\w+)\(", header, re.M))
    exported = set(
        line.split()[-1]
        for line in subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True, check=True).stdout.splitlines()
        if re.search(r"\b(uniffi|ffi)_credmint_ffi_", line)
    )
    if missing := sorted(declared - exported):
        problems.append(f"declared but not exported: {missing}")
    if undeclared := sorted(exported - declared):
        problems.append(f"exported but not declared: {undeclared}")

    lib = ctypes.CDLL(library)
    swift = GENERATED.read_text(encoding="utf-8")
    version = int(re.search(r"let bindings_contract_version = (\d+)", swift).group(1))
    contract = getattr(lib, "ffi_credmint_ffi_uniffi_contract_version")
    contract.restype = ctypes.c_uint32
    if contract() != version:
        problems.append(f"contract version: Swift expects {version}, library has {contract()}")
    checksums = re.findall(r"if \((uniffi_credmint_ffi_checksum_\w+)\(\) != (\d+)\)", swift)
    for name, expected in checksums:
        function = getattr(lib, name)
        function.restype = ctypes.c_uint16
        if function() != int(expected):
            problems.append(f"{name}: Swift expects {expected}, library returns {function()}")
    if len(checksums) < 20:
        problems.append(f"only {len(checksums)} checksums found")

    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"swift: {len(swift_files)} files parse, header compiles, {len(declared)} symbols match, "
        f"{len(checksums)} checksums and the contract version match"
        if not problems else f"swift: {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
