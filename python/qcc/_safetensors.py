"""A minimal safetensors writer and reader (no dependency beyond the standard
library and numpy).

Layout: 8-byte little-endian header length N, then N bytes of JSON header
(padded with spaces to a multiple of 8 so the data is 8-byte aligned), then the
raw little-endian tensor bytes. The header maps each name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets relative to the
start of the data section), plus an optional ``"__metadata__"`` string map.
"""
import json
import struct
from pathlib import Path

import numpy as np

# safetensors dtype name -> numpy little-endian dtype
NUMPY_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}


def write(path, entries, metadata=None):
    """Writes `entries`, a dict name -> numpy array whose dtype is one of
    NUMPY_DTYPES' values (or name -> (safetensors dtype, shape, bytes)), in
    insertion order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, value in entries.items():
        if isinstance(value, tuple):
            dtype, shape, data = value
        else:
            array = np.ascontiguousarray(value)
            dtype = _dtype_name(array.dtype)
            shape = list(array.shape)
            data = array.astype(NUMPY_DTYPES[dtype], copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def read_header(path):
    """Returns (header dict, byte offset of the data section)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size).decode("utf-8"))
    return header, 8 + size


def read(path):
    """Returns a dict name -> numpy array (metadata left out)."""
    header, start = read_header(path)
    blob = Path(path).read_bytes()[start:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(blob[begin:end], dtype=NUMPY_DTYPES[info["dtype"]])
        out[name] = array.reshape(info["shape"])
    return out


def _dtype_name(dtype):
    for name, np_name in NUMPY_DTYPES.items():
        if np.dtype(np_name) == np.dtype(dtype).newbyteorder("<") or np.dtype(np_name) == dtype:
            return name
    raise ValueError(f"no safetensors dtype for numpy dtype {dtype}")
