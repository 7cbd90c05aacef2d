"""Where the qcc compiler and its runtime (headers + libqcc_runtime.a) are.

Searched in this order (docs/cli.md):

1. next to this package, when `cmake --install` put it in a prefix
   (PREFIX/lib/qcc/python/qcc, with the tools in PREFIX/bin, PREFIX/lib and
   PREFIX/include; `_installed.py`, written by the install, says where);
2. $QCC_BUILD_DIR, a qcc build directory (BUILD/bin/qcc, BUILD/lib);
3. the build/ directory of the source checkout this package is in;
4. `qcc` on PATH: an install prefix (PREFIX/bin/qcc) or a build directory.
"""
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parents[1]  # <checkout>/python/qcc, when run from a source checkout
_HEADER = Path("qcc_rt") / "model_api.h"
_LIBRARY = "libqcc_runtime.a"


class ToolchainNotFound(FileNotFoundError):
    """No qcc compiler (with its runtime) could be found."""


@dataclass(frozen=True)
class Toolchain:
    qcc: Path               # the qcc executable
    include_dir: Path       # holds qcc_rt/*.h
    runtime_library: Path   # libqcc_runtime.a
    origin: str             # how it was found, for messages


def _complete(tc):
    return tc.qcc.is_file() and (tc.include_dir / _HEADER).is_file() and tc.runtime_library.is_file()


def _source_dir_of(build: Path):
    """The source directory a CMake build directory was configured from."""
    cache = build / "CMakeCache.txt"
    if cache.is_file():
        for line in cache.read_text(errors="replace").splitlines():
            if line.startswith("qcc_SOURCE_DIR:"):
                return Path(line.split("=", 1)[1])
    return None


def from_build_dir(build, origin=None) -> Toolchain:
    build = Path(build)
    source = _source_dir_of(build)
    if source is None and (_CHECKOUT / "runtime-support").is_dir():
        source = _CHECKOUT
    include = (source or build) / "runtime-support" / "include"
    return Toolchain(build / "bin" / "qcc", include, build / "lib" / _LIBRARY,
                     origin or f"build directory {build}")


def from_prefix(prefix, origin=None) -> Toolchain:
    prefix = Path(prefix)
    library = prefix / "lib" / _LIBRARY
    for candidate in (prefix / "lib64" / _LIBRARY, *prefix.glob(f"lib/*-linux-gnu/{_LIBRARY}")):
        if not library.is_file() and candidate.is_file():
            library = candidate
    return Toolchain(prefix / "bin" / "qcc", prefix / "include", library,
                     origin or f"install prefix {prefix}")


def _installed():
    try:
        from . import _installed as paths
    except ImportError:
        return None
    return Toolchain((_PACKAGE / paths.BINDIR / "qcc").resolve(),
                     (_PACKAGE / paths.INCLUDEDIR).resolve(),
                     (_PACKAGE / paths.LIBDIR / _LIBRARY).resolve(),
                     f"the install prefix of this package ({_PACKAGE})")


def _candidates():
    installed = _installed()
    if installed is not None:
        yield installed
    if os.environ.get("QCC_BUILD_DIR"):
        # Set on purpose: an incomplete one is an error, not a reason to look elsewhere.
        tc = from_build_dir(os.environ["QCC_BUILD_DIR"], "$QCC_BUILD_DIR")
        if not _complete(tc):
            raise ToolchainNotFound(
                f"QCC_BUILD_DIR={os.environ['QCC_BUILD_DIR']} is not a built qcc build directory "
                f"(needs {tc.qcc}, {tc.runtime_library} and {tc.include_dir / _HEADER}); "
                "run scripts/build.sh")
        yield tc
    if (_CHECKOUT / "runtime-support").is_dir():
        yield from_build_dir(_CHECKOUT / "build", "the checkout's build directory")
    on_path = shutil.which("qcc")
    if on_path:
        real = Path(on_path).resolve()
        root = real.parent.parent
        if (root / "CMakeCache.txt").is_file():
            yield from_build_dir(root, f"PATH ({on_path})")
        else:
            yield from_prefix(root, f"PATH ({on_path})")


def find_toolchain() -> Toolchain:
    """The first complete toolchain in the search order; raises ToolchainNotFound."""
    tried = []
    for tc in _candidates():
        if _complete(tc):
            return tc
        tried.append(f"{tc.origin}: {tc.qcc}")
    detail = "; ".join(tried) if tried else "no candidate"
    raise ToolchainNotFound(
        "cannot find the qcc compiler and its runtime (tried " + detail + "). Install qcc "
        "(cmake --install BUILD --prefix PREFIX) and put PREFIX/bin on PATH, or set "
        "QCC_BUILD_DIR to a qcc build directory")
