"""A minimal writer of ONNX model files (protobuf wire format) for tests.

Builds onnx.ModelProto messages from plain Python values without the onnx
package, so the importer tests run wherever NumPy does. Only the fields the
tests use are written; field numbers follow onnx/onnx.proto.
"""

import struct

import numpy as np

# TensorProto.DataType
FLOAT, UINT8, INT8, INT32, INT64, STRING, BOOL, FLOAT16, DOUBLE = 1, 2, 3, 6, 7, 8, 9, 10, 11
_DTYPES = {
    np.dtype(np.float32): FLOAT,
    np.dtype(np.float64): DOUBLE,
    np.dtype(np.float16): FLOAT16,
    np.dtype(np.int64): INT64,
    np.dtype(np.int32): INT32,
    np.dtype(np.int8): INT8,
    np.dtype(np.bool_): BOOL,
}


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _int(field, value):
    return _key(field, 0) + _varint(value)


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return _key(field, 2) + _varint(len(data)) + data


def _float(field, value):
    return _key(field, 5) + struct.pack("<f", value)


def tensor(name, array):
    """A TensorProto holding `array` as raw little-endian data."""
    array = np.array(array, order="C")  # keeps 0-d arrays 0-d
    out = b"".join(_int(1, d) for d in array.shape)
    out += _int(2, _DTYPES[array.dtype])
    out += _bytes(8, name)
    out += _bytes(9, array.astype(array.dtype.newbyteorder("<")).tobytes())
    return out


def attr(name, value):
    """An AttributeProto; the type follows the Python value."""
    out = _bytes(1, name)
    if isinstance(value, bool) or isinstance(value, int):
        return out + _int(20, 2) + _int(3, int(value))
    if isinstance(value, float):
        return out + _int(20, 1) + _float(2, value)
    if isinstance(value, str):
        return out + _int(20, 3) + _bytes(4, value)
    if isinstance(value, np.ndarray):
        return out + _int(20, 4) + _bytes(5, tensor("", value))
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, int) for v in value):
            return out + _int(20, 7) + b"".join(_int(8, v) for v in value)
        return out + _int(20, 6) + b"".join(_float(7, v) for v in value)
    raise TypeError(f"unsupported attribute value {value!r}")


def node(op_type, inputs, outputs, name=None, domain=None, **attrs):
    out = b"".join(_bytes(1, i) for i in inputs)
    out += b"".join(_bytes(2, o) for o in outputs)
    if name is not None:
        out += _bytes(3, name)
    out += _bytes(4, op_type)
    if domain is not None:
        out += _bytes(7, domain)
    out += b"".join(_bytes(5, attr(k, v)) for k, v in attrs.items())
    return out


def value_info(name, elem_type, shape):
    """A ValueInfoProto; `shape` entries are ints or symbolic names."""
    dims = b""
    for d in shape:
        dims += _bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d))
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes, inputs, outputs, initializers=(), opset=17):
    """A ModelProto. `inputs`/`outputs`: (name, elem_type, shape) triples;
    `initializers`: (name, array) pairs."""
    graph = b"".join(_bytes(1, n) for n in nodes)
    graph += _bytes(2, "test")
    graph += b"".join(_bytes(5, tensor(n, a)) for n, a in initializers)
    graph += b"".join(_bytes(11, value_info(*i)) for i in inputs)
    graph += b"".join(_bytes(12, value_info(*o)) for o in outputs)
    out = _int(1, 8)  # ir_version
    out += _bytes(2, "longctx-tests")
    out += _bytes(7, graph)
    out += _bytes(8, _int(2, opset))
    return out


def save(path, data):
    with open(path, "wb") as f:
        f.write(data)
