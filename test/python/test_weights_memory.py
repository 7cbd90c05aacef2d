"""qcc.CompiledModel's weights-file loading (_compile._load_weights): the file's bytes, from
a 2 MiB boundary (huge pages, as qcc_weights_load in runtime-support/src/weights_file.cpp
places them; the generated code needs 64), for an empty, a small and a multi-megabyte file."""
import numpy as np
import pytest

from qcc import _compile


@pytest.mark.parametrize("size", [0, 1, 4097, (5 << 20) + 3])
def test_weights_file_bytes_and_alignment(tmp_path, size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
    path = tmp_path / "model.weights"
    data.tofile(path)
    memory, address = _compile._load_weights(path)
    assert address % (2 << 20) == 0
    loaded = np.ctypeslib.as_array((np.ctypeslib.ctypes.c_uint8 * max(size, 1)).from_address(address))
    assert np.array_equal(loaded[:size], data)
    del memory
