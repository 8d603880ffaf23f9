"""The execution environment of the collection (execution-environment.yml), checked before ansible-builder runs.

ansible-builder reports a bad definition as a Python exception with the whole JSON schema, and builds a context
without a file that `additional_build_files` names but that is missing (dist/ not built yet), so the image would
fail only at build time, on another machine. `scripts/build-ee create|build [ansible-builder options]` checks
first: YAML, ansible-builder's own version 3 schema (every violation, at its file:line), the files the
definition copies in, and the collection tarballs it installs from them; then it runs ansible-builder.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

from citynet_models.problems import Location, Problem
from netops.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE, format_problems
from netops.intent.loader import display_path
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml

DEFINITION = Path("execution-environment.yml")
SCHEMA_VERSION = 3
#: Where ansible-builder puts `additional_build_files` in its galaxy stage (`COPY _build /build`).
BUILD_ROOT = PurePosixPath("/build")
BUILD_DIST_HINT = "run scripts/build-dist (it writes the collection tarball and the project's wheels into dist/)"


def check(definition: Path) -> list[Problem]:
    """Everything wrong with an ansible-builder definition, located; empty when it is fit to build."""
    shown = display_path(definition)
    try:
        document = read_yaml(definition, shown)
    except YamlInputError as error:
        return [error.problem]
    data = document.data
    if not isinstance(data, dict) or not data:
        return [Problem(path=(), message="not an ansible-builder definition", expected="a mapping with version: 3",
                        found=type(data).__name__ if data else "an empty file",
                        hint="see execution-environment.yml in the repository", location=document.location(()))]
    if data.get("version") != SCHEMA_VERSION:
        return [Problem(path=("version",), message="not ansible-builder's version 3 schema",
                        expected=f"version: {SCHEMA_VERSION}", found=repr(data.get("version")),
                        hint="the definition is written for ansible-builder 3 (version: 3)",
                        location=document.location(("version",)))]
    problems = _schema_problems(document)
    if problems:
        return problems
    return _file_problems(document, definition.parent)


def _schema_problems(document: SourceDocument) -> list[Problem]:
    from ansible_builder.ee_schema import schema_v3
    from jsonschema import Draft7Validator

    problems = []
    for error in sorted(Draft7Validator(schema_v3).iter_errors(document.data), key=lambda e: list(e.absolute_path)):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # At the unexpected key itself, not at the mapping holding it.
            extra = [k for k in error.instance if k not in (error.schema.get("properties") or {})]
            path = (*path, *extra[:1])
        allowed = error.schema.get("properties") if isinstance(error.schema, dict) else None
        expected = (f"one of: {', '.join(allowed)}" if error.validator == "additionalProperties" and allowed
                    else f"{error.validator}: {error.validator_value!r}")
        problems.append(Problem(path=tuple(str(p) for p in path), message="not valid in ansible-builder's schema",
                                expected=expected, found=error.message,
                                hint="ansible-builder's definition format, version 3: "
                                     "https://ansible.readthedocs.io/projects/builder/en/latest/definition/",
                                location=document.location(path)))
    return problems


def _file_problems(document: SourceDocument, base: Path) -> list[Problem]:
    data: dict[str, Any] = document.data
    problems = []
    copied: dict[PurePosixPath, Path] = {}
    for index, entry in enumerate(data.get("additional_build_files") or []):
        source = base / entry["src"]
        matches = sorted(base.glob(entry["src"])) if any(c in entry["src"] for c in "*?[") else \
            [source] if source.exists() else []
        if not matches:
            problems.append(Problem(path=("additional_build_files", str(index), "src"),
                                    message="a file the image is built from is missing",
                                    expected=f"{display_path(source)} (copied into the build context)",
                                    found="nothing there", hint=BUILD_DIST_HINT,
                                    location=document.location(("additional_build_files", index, "src"))))
        elif source.is_dir():
            copied[BUILD_ROOT / entry["dest"]] = source
            problems += _duplicate_wheels(document, source, index)
    galaxy = (data.get("dependencies") or {}).get("galaxy")
    collections = (galaxy.get("collections") or []) if isinstance(galaxy, dict) else []
    for index, collection in enumerate(collections):
        if not isinstance(collection, dict) or collection.get("type") != "file":
            continue
        wanted = PurePosixPath(str(collection.get("name", "")))
        folder = next((local for dest, local in copied.items() if wanted.parent == dest), None)
        if folder is None or (folder / wanted.name).is_file():
            continue
        present = sorted(p.name for p in folder.glob("*.tar.gz"))
        problems.append(Problem(path=("dependencies", "galaxy", "collections", str(index), "name"),
                                message="the collection tarball the image installs is not built",
                                expected=f"{display_path(folder / wanted.name)}",
                                found=", ".join(present) if present else f"no tarball in {display_path(folder)}",
                                hint=BUILD_DIST_HINT + "; the tarball's version is galaxy.yml's",
                                location=document.location(("dependencies", "galaxy", "collections", index,
                                                            "name"))))
    return problems


def _duplicate_wheels(document: SourceDocument, folder: Path, index: int) -> list[Problem]:
    """Two builds of one distribution in a copied folder: an install of `*.whl` would refuse them at build time."""
    builds: dict[str, list[str]] = {}
    for wheel in sorted(folder.glob("*.whl")):
        builds.setdefault(wheel.name.split("-", 1)[0].lower(), []).append(wheel.name)
    return [Problem(path=("additional_build_files", str(index), "src"),
                    message=f"several builds of {name} in {display_path(folder)}",
                    expected="one wheel per distribution", found=", ".join(names),
                    hint=f"remove the older ones from {display_path(folder)}, or empty it and run scripts/build-dist",
                    location=document.location(("additional_build_files", index, "src")))
            for name, names in builds.items() if len(names) > 1]


def main(argv: list[str] | None = None) -> int:
    """`scripts/build-ee create|build [--file FILE] [ansible-builder options]`: check, then run ansible-builder."""
    parser = argparse.ArgumentParser(prog="build-ee", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=("create", "build"), help="ansible-builder's command")
    parser.add_argument("--file", "-f", type=Path, default=DEFINITION, help="the definition (%(default)s)")
    args, rest = parser.parse_known_args(argv)
    builder = Path(sys.executable).parent / "ansible-builder"
    if not builder.is_file():
        print(format_problems([Problem(path=(), message="ansible-builder is not installed",
                                       expected=str(builder), found="no such file",
                                       hint="install the dev tools: .venv/bin/pip install -e '.[dev]'")]),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.file.is_file():
        print(format_problems([Problem(path=(), message="no execution environment definition",
                                       expected="an ansible-builder definition file", found="no such file",
                                       hint="run from the repository root, or give --file",
                                       location=Location(display_path(args.file), 0))]), file=sys.stderr)
        return EXIT_BAD_INPUT
    problems = check(args.file)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    done = subprocess.run([str(builder), args.command, "--file", str(args.file), *rest], check=False,
                          env={**os.environ, "PATH": f"{builder.parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    if done.returncode != 0:
        print(f"error: ansible-builder {args.command} failed (exit {done.returncode}); its output is above",
              file=sys.stderr)
        return EXIT_UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
