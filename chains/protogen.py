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


def generate(out_dir: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) into ``out_dir``; return the generated files."""
    from grpc_tools import protoc  # a development dependency, needed only here

    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *[str(p) for p in get_proto_files()],
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
