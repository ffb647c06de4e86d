#!/usr/bin/env python3
"""What a release publishes, for the release workflow and by hand; the standard library only.

`notes vX.Y.Z` checks the tag against manifest.json's version and prints its CHANGELOG section;
`zip ww_go.zip` writes the integration's files at the zip's root, as HACS unpacks them.
"""

import argparse
import json
from pathlib import Path
import re
import sys
import zipfile

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "ww_go"
CHANGELOG = ROOT / "CHANGELOG.md"


class ReleaseError(Exception):
    """A release that must not be published, and why."""


def manifest_version() -> str:
    """The integration's version, as Home Assistant and HACS read it."""
    return str(json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))["version"])


def notes(tag: str) -> str:
    """The CHANGELOG section of the tag's version; the tag must be v + manifest.json's version."""
    version = manifest_version()
    if tag != f"v{version}":
        raise ReleaseError(f"the tag {tag} is not v{version}, manifest.json's version")
    section: list[str] | None = None
    for line in CHANGELOG.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            if section is not None:
                break
            if re.match(rf"## \[{re.escape(version)}\](\s|$)", line):
                section = []
        elif section is not None:
            # Link definitions close the last section.
            if re.match(r"\[[^\]]+\]: ", line):
                break
            section.append(line)
    body = "\n".join(section or []).strip()
    if not body:
        raise ReleaseError(f"CHANGELOG.md has no section for {version}")
    return body + "\n"


def write_zip(path: Path) -> list[str]:
    """Zip the integration's files, at the root as HACS's zip_release unpacks them; their names."""
    names = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(INTEGRATION.rglob("*")):
            if file.is_dir() or "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            name = file.relative_to(INTEGRATION).as_posix()
            archive.write(file, name)
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    """Run one command; a release that must not be published exits 1 with the reason."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("notes").add_argument("tag")
    commands.add_parser("zip").add_argument("path", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "notes":
            sys.stdout.write(notes(args.tag))
        else:
            write_zip(args.path)
    except ReleaseError as err:
        sys.stderr.write(f"release: {err}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
