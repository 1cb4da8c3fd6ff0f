"""Generate the committed Python code of ``proto/`` (``make proto``).

The generated modules live in the ``consortium.v1`` package (never ``proto``,
which the proto-plus package owns). A test regenerates into a temporary
directory and fails when any committed file would change.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
PACKAGE_DIR = Path("consortium") / "v1"


def get_proto_files() -> list[Path]:
    """The ``.proto`` sources, relative to ``proto/``, in a stable order."""
    return sorted(p.relative_to(PROTO_DIR) for p in (PROTO_DIR / PACKAGE_DIR).glob("*.proto"))


def _declares_service(path: Path) -> bool:
    return any(line.lstrip().startswith("service ") for line in path.read_text().splitlines())


def generate(out_dir: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) into ``out_dir``; return the generated files."""
    from grpc_tools import protoc  # a development dependency, needed only here

    out_dir.mkdir(parents=True, exist_ok=True)
    protos = get_proto_files()
    # gRPC stubs only for files that declare a service: the others would be empty.
    with_services = [p for p in protos if _declares_service(PROTO_DIR / p)]
    runs = [(["--python_out", "--pyi_out"], protos), (["--grpc_python_out"], with_services)]
    for outputs, files in runs:
        if not files:
            continue
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            *[f"{flag}={out_dir}" for flag in outputs],
            *[str(p) for p in files],
        ]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed: {' '.join(args)}")
    return sorted(p.relative_to(out_dir) for p in (out_dir / PACKAGE_DIR).glob("*_pb2*.py*"))


def main() -> int:
    """Regenerate the committed code in place and list what was written."""
    for path in generate(ROOT):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
