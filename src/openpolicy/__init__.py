"""Open Policy Platform: open parliamentary data, its API, its web site and the infrastructure that runs them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openpolicy")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
