"""Integration: `cmake --install`, find_package(qcc) + qcc_add_model from an
installed prefix and from the build tree, `pip install ./python`,
`python -m qcc`, every example built and run, and the CLI reference against
`qcc --help`.

qcc is installed once per session into a temporary prefix (cmake --install
only copies: the build must be up to date, as scripts/build.sh leaves it)."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.ao.quantization as tq
import torch.nn as nn

import qcc
from qcc_testing import BUILD_DIR, ROOT, tool

EXAMPLES = ROOT / "examples"
PYTHON = sys.executable
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def run(cmd, check=True, **kw):
    result = subprocess.run([str(c) for c in cmd], text=True, capture_output=True, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def clean_env(**extra):
    """The environment without any hint of the build tree: no QCC_BUILD_DIR,
    no PYTHONPATH, only system directories on PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QCC_BUILD_DIR", "PYTHONPATH", "CMAKE_PREFIX_PATH", "LD_LIBRARY_PATH")}
    env["PATH"] = SYSTEM_PATH
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cmake_build(source, build, prefix_path, *defines, env=None):
    """Configures (Ninja, Release) and builds a CMake project; returns the
    configure result."""
    configure = run(["cmake", "-G", "Ninja", "-S", source, "-B", build,
                     "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={prefix_path}",
                     *defines], env=env or clean_env())
    run(["cmake", "--build", build, "-j2"], env=env or clean_env())
    return configure


def cache_value(build, key):
    for line in (Path(build) / "CMakeCache.txt").read_text().splitlines():
        if line.startswith(key + ":"):
            return line.split("=", 1)[1]
    return None


def load_example(directory, module="export_model"):
    """Imports an example's export_model.py as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{directory.name.replace('-', '_')}",
                                                  directory / f"{module}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def prefix(tmp_path_factory):
    """qcc installed by `cmake --install` into a temporary prefix."""
    tool("qcc")
    prefix = tmp_path_factory.mktemp("qcc-prefix")
    run(["cmake", "--install", BUILD_DIR, "--prefix", prefix])
    return prefix


@pytest.fixture(scope="session")
def pip_site(tmp_path_factory):
    """`pip install ./python` into a temporary directory (no dependencies:
    this environment has them; no build isolation: nothing is downloaded).
    Installs from a copy so the checkout gets no build/ or egg-info."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment")
    work = tmp_path_factory.mktemp("pip")
    source = work / "src"
    shutil.copytree(ROOT / "python", source,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = work / "site"
    run([PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", target, source])
    return target


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        x = self.pool(self.relu(self.conv(self.quant(x))))
        return self.dequant(self.fc(torch.flatten(x, 1)))


def tiny_model(seed):
    warnings.filterwarnings("ignore")
    torch.manual_seed(seed)
    torch.backends.quantized.engine = "fbgemm"
    model = TinyNet().eval()
    tq.fuse_modules(model, [["conv", "relu"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, 8, 8))
    return tq.convert(model, inplace=True)


# The whole out-of-tree project: find_package, qcc_add_model, target_link_libraries.
APP_CMAKE = """\
cmake_minimum_required(VERSION 3.20)
project(qcc_consumer LANGUAGES CXX)
find_package(qcc CONFIG REQUIRED)
qcc_add_model(tiny MODEL ${TINY_MODEL})
add_executable(app main.cpp)
target_link_libraries(app PRIVATE tiny)
"""

# app IN OUT: runs tiny on the raw float32 input IN, writes the raw output to OUT.
APP_MAIN = """\
#include "tiny.h"
#include <cstdio>
#include <cstdlib>
#include <vector>
int main(int argc, char **argv) {
  if (argc != 3) return 2;
  const qcc_tensor_desc *in = tiny_input_desc(0), *out = tiny_output_desc(0);
  std::vector<unsigned char> x(in->bytes), y(out->bytes);
  FILE *f = std::fopen(argv[1], "rb");
  if (!f || std::fread(x.data(), 1, x.size(), f) != x.size()) return 3;
  std::fclose(f);
  size_t bytes = (tiny_WORKSPACE_BYTES(2) + 63) / 64 * 64;
  void *workspace = std::aligned_alloc(tiny_WORKSPACE_ALIGNMENT, bytes);
  const void *inputs[] = {x.data()};
  void *outputs[] = {y.data()};
  qcc_thread_pool *pool = qcc_thread_pool_create(2);
  if (!pool) return 5;
  int rc = tiny_run(inputs, outputs, workspace, pool);
  qcc_thread_pool_destroy(pool);
  std::free(workspace);
  if (rc != QCC_OK) return 4;
  f = std::fopen(argv[2], "wb");
  std::fwrite(y.data(), 1, y.size(), f);
  std::fclose(f);
  return 0;
}
"""


def write_app(directory):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "CMakeLists.txt").write_text(APP_CMAKE)
    (directory / "main.cpp").write_text(APP_MAIN)
    return directory


def check_app(app, model, work):
    """Runs the app on a random input and asserts it equals PyTorch exactly."""
    x = torch.randn(2, 3, 8, 8)
    (work / "in.bin").write_bytes(x.numpy().tobytes())
    run([app, work / "in.bin", work / "out.bin"])
    got = np.frombuffer((work / "out.bin").read_bytes(), dtype=np.float32).reshape(2, 5)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------- install

def test_install_layout(prefix):
    for rel in ("bin/qcc", "bin/qcc-opt", "lib/libqcc_runtime.a", "include/qcc_rt/model_api.h",
                "include/qcc_rt/qcc_rt.h", "lib/cmake/qcc/qccConfig.cmake",
                "lib/cmake/qcc/qccConfigVersion.cmake", "lib/cmake/qcc/QccAddModel.cmake",
                "lib/qcc/python/qcc/__init__.py", "lib/qcc/python/qcc/_installed.py"):
        assert (prefix / rel).is_file(), rel
    # The installed tools find Debian's libMLIR.so / libLLVM.so by their RUNPATH.
    for name in ("qcc", "qcc-opt"):
        result = run([prefix / "bin" / name, "--version"], env=clean_env())
        assert "version" in result.stdout.lower()
    assert "qcc version" in run([prefix / "bin" / "qcc", "--version"], env=clean_env()).stdout


def test_out_of_tree_project_against_install(prefix, tmp_path):
    """The issue's done-criterion: a project that only does find_package(qcc),
    qcc_add_model and target_link_libraries, against an installed qcc; then
    the code is regenerated when the model, and when qcc, changes."""
    model_path = tmp_path / "models" / "tiny.json"
    model = tiny_model(seed=0)
    qcc.export(model, (torch.randn(2, 3, 8, 8),), model_path)
    source, build = write_app(tmp_path / "app"), tmp_path / "build"
    cmake_build(source, build, prefix, f"-DTINY_MODEL={model_path}")
    assert Path(cache_value(build, "qcc_DIR")).resolve() == (prefix / "lib/cmake/qcc").resolve()
    check_app(build / "app", model, tmp_path)

    rebuild = lambda: run(["cmake", "--build", build, "-j2"], env=clean_env()).stdout  # noqa: E731
    assert "no work to do" in rebuild()

    # A new model file (other weights) -> regenerated, rebuilt, new results.
    model = tiny_model(seed=1)
    qcc.export(model, (torch.randn(2, 3, 8, 8),), model_path)
    assert "qcc: compiling" in rebuild()
    check_app(build / "app", model, tmp_path)

    # A new qcc -> regenerated.
    os.utime(prefix / "bin" / "qcc")
    assert "qcc: compiling" in rebuild()
    assert "no work to do" in rebuild()


def test_out_of_tree_project_against_build_tree(tmp_path):
    """The same project against the build tree (-DCMAKE_PREFIX_PATH=<build>)."""
    model_path = tmp_path / "tiny.json"
    model = tiny_model(seed=2)
    qcc.export(model, (torch.randn(2, 3, 8, 8),), model_path)
    build = tmp_path / "build"
    cmake_build(write_app(tmp_path / "app"), build, BUILD_DIR, f"-DTINY_MODEL={model_path}")
    assert (Path(cache_value(build, "qcc_DIR")).resolve()
            == (BUILD_DIR / "lib" / "cmake" / "qcc").resolve())
    check_app(build / "app", model, tmp_path)


@pytest.mark.parametrize("arguments, message", [
    ("TARGET cuda", "TARGET cuda needs the CUDA language"),
    ("CPU avx9000", "CPU must be auto, native, avx512vnni, avx2 or generic"),
    ("NUMERICS exact", "NUMERICS must be fbgemm or fbgemm-avx2"),
    ("NAME 9lives", "NAME must be a C identifier"),
])
def test_qcc_add_model_rejects_at_configure_time(prefix, tmp_path, arguments, message):
    model_path = tmp_path / "tiny.json"
    qcc.export(tiny_model(seed=0), (torch.randn(2, 3, 8, 8),), model_path)
    source = write_app(tmp_path / "app")
    cmake = (source / "CMakeLists.txt").read_text()
    (source / "CMakeLists.txt").write_text(
        cmake.replace("MODEL ${TINY_MODEL})", "MODEL ${TINY_MODEL} " + arguments + ")"))
    result = run(["cmake", "-G", "Ninja", "-S", source, "-B", tmp_path / "build",
                  f"-DCMAKE_PREFIX_PATH={prefix}", f"-DTINY_MODEL={model_path}"],
                 check=False, env=clean_env())
    assert result.returncode != 0
    assert message in " ".join(result.stderr.split()), result.stderr


# ---------------------------------------------------------- Python package

def test_python_m_qcc_mirrors_the_command_line(prefix, pip_site, tmp_path):
    """pip-installed package, qcc found on PATH (an install prefix)."""
    env = clean_env(PYTHONPATH=pip_site, PATH=f"{prefix / 'bin'}:{SYSTEM_PATH}")
    for args in (["--help"], ["--version"], [tmp_path / "missing.json", "--target=cpu"]):
        mirror = run([PYTHON, "-m", "qcc", *args], check=False, env=env, cwd=tmp_path)
        direct = run([prefix / "bin" / "qcc", *args], check=False, env=env, cwd=tmp_path)
        assert (mirror.returncode, mirror.stdout, mirror.stderr) == \
               (direct.returncode, direct.stdout, direct.stderr)

    # Compiles a model the same way.
    model_path = tmp_path / "tiny.json"
    qcc.export(tiny_model(seed=0), (torch.randn(2, 3, 8, 8),), model_path)
    run([PYTHON, "-m", "qcc", model_path, "--target=cpu", "--name=tiny", "-o", tmp_path / "out"],
        env=env, cwd=tmp_path)
    assert (tmp_path / "out" / "tiny.h").is_file() and (tmp_path / "out" / "tiny.cpp").is_file()

    # Nothing to find (an empty PATH): one clear line, status 1.
    (tmp_path / "empty").mkdir()
    lost = run([PYTHON, "-m", "qcc", "--version"], check=False,
               env=clean_env(PYTHONPATH=pip_site, PATH=tmp_path / "empty"), cwd=tmp_path)
    assert lost.returncode == 1 and "cannot find the qcc compiler" in lost.stderr


def test_cmake_installed_package_finds_its_prefix(prefix, tmp_path):
    """The package `cmake --install` puts in PREFIX/lib/qcc/python uses the
    tools of its own prefix, with nothing on PATH."""
    env = clean_env(PYTHONPATH=prefix / "lib" / "qcc" / "python")
    code = ("import qcc._toolchain as t; tc = t.find_toolchain(); "
            "print(tc.qcc); print(tc.runtime_library); print(tc.include_dir)")
    lines = run([PYTHON, "-c", code], env=env, cwd=tmp_path).stdout.split()
    assert [Path(p).resolve() for p in lines] == [
        (prefix / "bin" / "qcc").resolve(), (prefix / "lib" / "libqcc_runtime.a").resolve(),
        (prefix / "include").resolve()]
    assert "qcc version" in run([PYTHON, "-m", "qcc", "--version"], env=env, cwd=tmp_path).stdout


# ---------------------------------------------------------------- examples

def write_ppm(path, height, width, seed=1):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([xx * 255 // width, yy * 255 // height, (xx + yy) * 3 % 256], -1)
    image = np.clip(image + rng.integers(-20, 21, image.shape), 0, 255).astype(np.uint8)
    path.write_bytes(b"P6\n# made by test_integration.py\n%d %d\n255\n" % (width, height)
                     + image.tobytes())
    return image


def classifier_input(image, size=224):
    """classify.cpp's preprocessing, in numpy: central square crop, nearest
    neighbour resize, /255, ImageNet mean and std, NCHW."""
    height, width, _ = image.shape
    side = min(height, width)
    y0, x0 = (height - side) // 2, (width - side) // 2
    index = np.arange(size) * side // size
    crop = image[y0 + index][:, x0 + index].astype(np.float32)
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    x = (crop / np.float32(255) - mean) / std
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))


def test_example_image_classifier(prefix, tmp_path):
    example = EXAMPLES / "image-classifier"
    exporter = load_example(example)
    model = exporter.build_model()
    build = tmp_path / "build"
    exporter.export(model, build)  # build/classifier.json: the CMakeLists' default
    cmake_build(example, build, prefix)

    image = write_ppm(tmp_path / "picture.ppm", 260, 300)
    out = run([build / "classify", tmp_path / "picture.ppm"]).stdout
    got = [(int(c), s) for c, s in re.findall(r"class (\d+) score (-?\d+\.\d+)", out)]
    assert len(got) == 5, out

    with torch.no_grad():
        scores = model(classifier_input(image))[0].numpy()
    order = np.lexsort((np.arange(scores.size), -scores))[:5]
    assert got == [(int(i), f"{scores[i]:.6f}") for i in order], out
    assert len(set(s for _, s in got)) > 1, "degenerate model: all top scores equal"

    # Two threads: the same answer.
    assert run([build / "classify", "--threads", "2", tmp_path / "picture.ppm"]).stdout == out


def test_example_image_classifier_cuda(prefix, tmp_path):
    """The CUDA variant (qcc_add_model ... TARGET cuda) builds with nvcc; on a GPU it prints the
    CPU program's answer, without one it says so and fails."""
    from qcc import _cuda
    example = EXAMPLES / "image-classifier"
    exporter = load_example(example)
    build = tmp_path / "build"
    exporter.export(exporter.build_model(), build)
    cmake_build(example, build, prefix, "-DCLASSIFIER_CUDA=ON",
                f"-DCMAKE_CUDA_COMPILER={_cuda.nvcc_executable()}")
    assert (build / "classify-cuda").is_file()
    write_ppm(tmp_path / "picture.ppm", 260, 300)
    result = run([build / "classify-cuda", tmp_path / "picture.ppm"], check=False)
    if _cuda.gpu_available():
        cpu = run([build / "classify", tmp_path / "picture.ppm"]).stdout
        assert result.returncode == 0 and result.stdout == cpu, result.stderr
    else:
        assert result.returncode == 1 and "classify:" in result.stderr, result.stderr


def test_example_recommendation_c(prefix, tmp_path):
    example = EXAMPLES / "recommendation-c"
    exporter = load_example(example)
    model = exporter.build_model()
    build = tmp_path / "build"
    exporter.export(model, build)
    cmake_build(example, build, prefix)

    # recommend.c is compiled by the C compiler, as C11.
    ninja = (build / "build.ninja").read_text()
    assert re.search(r"build CMakeFiles/recommend\.dir/recommend\.c\.o: C_COMPILER", ninja)
    assert "CMAKE_C_COMPILER" in (build / "CMakeCache.txt").read_text()

    inputs = exporter.example_inputs(seed=3)  # dense features, then indices/offsets per table
    exporter.write_inputs(tmp_path / "samples.txt", inputs)
    out = run([build / "recommend", tmp_path / "samples.txt"]).stdout
    logits = [float(v) for v in re.findall(r"logit (\S+)", out)]
    with torch.no_grad():
        want = model(*inputs)[:, 0].numpy()
    np.testing.assert_array_equal(np.array(logits, dtype=np.float32), want)
    # an index outside its table: recommender_run returns QCC_ERROR_INDEX_OUT_OF_RANGE
    bad = list(inputs)
    bad[1] = bad[1].clone()
    bad[1][0] = exporter.TABLES[0][0]
    exporter.write_inputs(tmp_path / "bad.txt", bad)
    result = run([build / "recommend", tmp_path / "bad.txt"], check=False)
    assert result.returncode == 1 and "outside its table" in result.stderr, result.stderr
    # no kernel variant allowed (QCC_MAX_ISA=none): QCC_ERROR_UNSUPPORTED_CPU, reported
    result = run([build / "recommend", tmp_path / "samples.txt"], check=False,
                 env=dict(os.environ, QCC_MAX_ISA="none"))
    assert result.returncode == 1 and "returned 6 (no kernel variant" in result.stderr, result.stderr


def test_example_python_workflow(prefix, pip_site, tmp_path):
    """With the pip-installed package and the compiler of the install prefix."""
    env = clean_env(PYTHONPATH=pip_site, PATH=f"{prefix / 'bin'}:{SYSTEM_PATH}")
    out = run([PYTHON, EXAMPLES / "python-workflow" / "quantize_export_compile.py",
               "--out", tmp_path / "out"], env=env, cwd=tmp_path).stdout
    assert "0 of 10 elements differ" in out and "0 of 10 outputs differ" in out, out
    assert (tmp_path / "out" / "cpu" / "small_cnn.cpp").is_file()


def test_example_resnet18(tmp_path):
    """The main job's example, from the checkout and its build directory."""
    env = clean_env(PYTHONPATH=ROOT / "python", QCC_BUILD_DIR=BUILD_DIR)
    out = run([PYTHON, EXAMPLES / "resnet18" / "main.py", "--repeats", "1", "--out", tmp_path],
              env=env, cwd=tmp_path).stdout
    assert "agreement with PyTorch: 0 of 1000 outputs differ" in out, out


def test_every_example_has_a_readme_and_a_test():
    source = Path(__file__).read_text()
    for example in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        assert (example / "README.md").is_file(), example
        assert f"def test_example_{example.name.replace('-', '_')}(" in source, example


# -------------------------------------------------------------------- docs

def help_options(text):
    """Options and enum values listed by `qcc --help`."""
    options, values = [], []
    for line in text.splitlines():
        m = re.match(r"^\s{2}(-{1,2}[\w-]+)", line)
        if m:
            options.append(m.group(1))
        m = re.match(r"^\s{4}=([\w-]+)", line)
        if m:
            values.append(m.group(1))
    return options, values


def test_cli_reference_matches_help():
    """docs/cli.md names every option and value `qcc --help` lists, and every
    option its table documents exists."""
    doc = (ROOT / "docs" / "cli.md").read_text()
    help_text = run([tool("qcc"), "--help"]).stdout
    options, values = help_options(help_text)
    assert "--target" in options and "-o" in options and "cpu" in values
    for option in options:
        assert re.search(rf"`{re.escape(option)}[=` ]", doc), f"{option} missing from docs/cli.md"
    for value in values:
        assert f"`{value}`" in doc or f"={value}`" in doc, f"value {value} missing from docs/cli.md"
    documented = re.findall(r"^\| `(-{1,2}[\w-]+)", doc, flags=re.M)
    assert documented, "docs/cli.md has no option table"
    assert set(documented) <= set(options), set(documented) - set(options)
    # The verbatim copy of --help at the end of the page.
    block = re.search(r"^## `qcc --help`\n\n```\n(.*?)```", doc, flags=re.M | re.S)
    assert block, "docs/cli.md has no `qcc --help` section"
    assert block.group(1).rstrip() == help_text.rstrip(), "docs/cli.md: qcc --help changed"


def test_qcc_add_model_keywords_documented():
    cmake = (ROOT / "cmake" / "QccAddModel.cmake").read_text()
    keywords = re.search(r'cmake_parse_arguments\(PARSE_ARGV 1 QCC "" "([^"]+)"', cmake).group(1)
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    for keyword in keywords.split(";"):
        assert f"`{keyword}" in guide, f"qcc_add_model {keyword} missing from docs/user-guide.md"
