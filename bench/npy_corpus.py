"""The .npy edge corpus: files numpy writes, and headers edited in every way numpy's reader
(numpy.lib.format: ast.literal_eval of a dict with exactly the keys descr, fortran_order, shape)
either accepts or refuses, each with numpy's own verdict from np.load of the file on disk.

    python3 bench/npy_corpus.py > test/io/npy-corpus.json

test/io/npy-corpus.test.ts reads the committed JSON (npm test needs no Python) and checks that
parseNpy accepts exactly what numpy accepts, with the same shape, dtype and values.
"""
import base64
import io
import json
import os
import struct
import sys
import tempfile
import warnings

import numpy as np

MAGIC = b"\x93NUMPY"
entries = []


def npy_bytes(header, payload, version=(1, 0), encoding=None, raw_header=None):
    """A file with `header` (text) as the header, as numpy's writer lays it out, or `raw_header` bytes as given."""
    if raw_header is None:
        raw_header = header.encode(encoding or ("utf8" if version == (3, 0) else "latin1"))
    length = struct.pack("<H" if version[0] == 1 else "<I", len(raw_header))
    return MAGIC + bytes(version) + length + raw_header + payload


def numpy_verdict(data):
    """What np.load makes of the file: its shape, dtype and values, or the exception it raises."""
    with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.load(path, allow_pickle=False)
        if not isinstance(array, np.ndarray):
            return {"ok": False, "error": f"not an array: {type(array).__name__}"}
        values = array.astype(np.float64).ravel(order="C").tolist() if array.dtype.kind in "biuf" and array.size <= 64 else None
        return {"ok": True, "shape": list(array.shape), "dtype": array.dtype.str, "values": values}
    except Exception as error:  # numpy's refusal, whatever its type
        return {"ok": False, "error": f"{type(error).__name__}: {str(error)[:160]}"}
    finally:
        os.unlink(path)


def add(name, data):
    entries.append({"name": name, "bytes": base64.b64encode(data).decode("ascii"), "numpy": numpy_verdict(data)})


def payload_f4(count):
    return np.arange(count, dtype="<f4").tobytes()


# 1. What numpy writes: every dtype a user may save, shapes from scalar to 4-d, C and Fortran order,
#    format versions 1.0, 2.0 and 3.0.
for dtype in ["<f4", "<f8", "<f2", "<i4", "<i8", "|u1", "|b1", "<i2", "<u4", "|i1", ">f4", ">i8", "<c8", "<U3", "|S2", "<M8[s]"]:
    for shape in [(), (0,), (3,), (2, 3), (2, 3, 4), (0, 3), (1, 1, 1, 5)]:
        count = int(np.prod(shape))
        array = (np.arange(count) % 7 - 3).reshape(shape).astype(dtype) if np.dtype(dtype).kind not in "USM" else np.zeros(shape, dtype)
        buffer = io.BytesIO()
        np.save(buffer, array)
        add(f"np.save {dtype} {shape}", buffer.getvalue())
for dtype in ["<f4", "<f8", "<i4", "|u1"]:
    for shape in [(2, 3), (3, 2, 4)]:
        array = np.asfortranarray((np.arange(int(np.prod(shape))) - 5).reshape(shape).astype(dtype))
        buffer = io.BytesIO()
        np.save(buffer, array)
        add(f"np.save Fortran-ordered {dtype} {shape}", buffer.getvalue())
for version in [(1, 0), (2, 0), (3, 0)]:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.arange(6, dtype="<f4").reshape(2, 3), version=version)
    add(f"write_array version {version}", buffer.getvalue())
buffer = io.BytesIO()
np.save(buffer, np.zeros([1] * 30 + [2], dtype="<f4"))
add("np.save 31 dimensions", buffer.getvalue())
buffer = io.BytesIO()
np.save(buffer, np.zeros((2, 3), dtype=[("a", "<f4"), ("b", "<i4")]))
add("np.save structured dtype", buffer.getvalue())

# 2. Edited headers of a [2, 3] float32 file (6 values follow unless the entry says otherwise).
BASE = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"


def edit(name, header, count=6, version=(1, 0), payload=None, **kwargs):
    add(f"header {name}", npy_bytes(header, payload_f4(count) if payload is None else payload, version, **kwargs))


edit("as numpy writes it (no padding)", BASE)
edit("padded with spaces and a newline", BASE.ljust(117) + "\n")
edit("keys in another order", "{'shape': (2, 3), 'descr': '<f4', 'fortran_order': False}")
edit("double quotes", '{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}')
edit("no spaces, no trailing comma", "{'descr':'<f4','fortran_order':False,'shape':(2,3)}")
edit("spaces, tabs and newlines between tokens", "{ 'descr' :\t'<f4' ,\n 'fortran_order' : False ,\n\n 'shape' : ( 2 , 3 , ) , }")
edit("carriage returns inside", "{'descr': '<f4',\r\n 'fortran_order': False,\r 'shape': (2, 3)}")
edit("a comment inside", "{'descr': '<f4', # the dtype\n 'fortran_order': False, 'shape': (2, 3)}")
edit("a comment after", BASE + "  # trailing comment")
edit("leading spaces", "   " + BASE)
edit("a leading tab", "\t" + BASE)
edit("a leading newline", "\n" + BASE)
edit("a leading form feed", "\x0c" + BASE)
edit("a leading vertical tab", "\x0b" + BASE)
edit("a form feed inside", "{'descr': '<f4',\x0c 'fortran_order': False, 'shape': (2, 3)}")
edit("a backslash line continuation", "{'descr': '<f4', \\\n'fortran_order': False, 'shape': (2, 3)}")
edit("a top-level backslash continuation", "\\\n" + BASE)
edit("the dict in parentheses", "(" + BASE + ")")
edit("the dict in two parentheses", "((" + BASE + "))")
edit("'shape' twice, same value", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3)}")
edit("'shape' twice, the last one (3, 2) holds", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'shape': (3, 2)}")
edit("'shape' twice, the first one fits the data", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (4,)}")
edit("'descr' twice, the last one is <i4", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'descr': '<i4'}")
edit("'fortran_order' twice", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), 'fortran_order': False}")
edit("an extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}")
edit("an extra key that is a number", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 1: 2}")
edit("no fortran_order", "{'descr': '<f4', 'shape': (2, 3)}")
edit("no descr", "{'fortran_order': False, 'shape': (2, 3)}")
edit("no shape", "{'descr': '<f4', 'fortran_order': False}")
edit("an empty dict", "{}")
edit("a key with an escape (sh\\x61pe)", "{'descr': '<f4', 'fortran_order': False, 'sh\\x61pe': (2, 3)}")
edit("a key with a unicode escape", "{'descr': '<f4', 'fortran_order': False, 'sh\\u0061pe': (2, 3)}")
edit("a key with an octal escape", "{'descr': '<f4', 'fortran_order': False, 'sh\\141pe': (2, 3)}")
edit("a key as two concatenated strings", "{'descr': '<f4', 'fortran_order': False, 'sh' \"ape\": (2, 3)}")
edit("a raw-string key", "{'descr': '<f4', 'fortran_order': False, r'shape': (2, 3)}")
edit("a u-string key", "{'descr': '<f4', 'fortran_order': False, u'shape': (2, 3)}")
edit("a bytes key", "{'descr': '<f4', 'fortran_order': False, b'shape': (2, 3)}")
edit("an f-string key", "{'descr': '<f4', 'fortran_order': False, f'shape': (2, 3)}")
edit("a triple-quoted key", "{'descr': '<f4', 'fortran_order': False, '''shape''': (2, 3)}")
edit("a key with a line continuation inside", "{'descr': '<f4', 'fortran_order': False, 'sha\\\npe': (2, 3)}")
edit("a key with a trailing space", "{'descr': '<f4', 'fortran_order': False, 'shape ': (2, 3)}")
edit("a key in upper case", "{'descr': '<f4', 'fortran_order': False, 'SHAPE': (2, 3)}")
edit("an unterminated string", "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}")
edit("a raw newline inside a string", "{'descr': '<f4\n', 'fortran_order': False, 'shape': (2, 3)}")

for text, count in [
    ("(200)", 200), ("200", 200), ("[2, 3]", 6), ("(2, 3,)", 6), ("((2, 3))", 6), ("((2), (3))", 6), ("(2,3)", 6), ("( 2 , 3 )", 6),
    ("(2e2,)", 200), ("(2.0, 3)", 6), ("(2., 3)", 6), ("(True, 3)", 3), ("(False, 3)", 0), ("(0x2, 3)", 6), ("(0o2, 3)", 6), ("(0b10, 3)", 6),
    ("(2_0, 3)", 60), ("(2__0, 3)", 60), ("(2_, 3)", 6), ("(02, 3)", 6), ("(00, 3)", 0), ("(0_0, 3)", 0), ("(+2, 3)", 6), ("(- 2, 3)", 6),
    ("(-2, 3)", 6), ("(--2, 3)", 6), ("(+-2, 3)", 6), ("(-(2), 3)", 6), ("(2j, 3)", 6), ("(1+1, 3)", 6), ("(2, None)", 6), ("(None,)", 1),
    ("('2', 3)", 6), ("(2, 3) # c", 6), ("(6,)", 6), ("(6)", 6), ("()", 1), ("(1,)", 1), ("[]", 1), ("(0,)", 0), ("(0, 5)", 0),
    ("(2, 3, 1, 1)", 6), ("(2 3)", 6), ("(2,, 3)", 6), ("(,)", 0), ("{2, 3}", 6), ("(2**1, 3)", 6), ("(2, 3L)", 6), ("(2L, 3L)", 6), ("(2 L, 3)", 6),
    ("(0x2L, 3)", 6), ("(2l, 3)", 6), ("(1.5L, 3)", 6), ("(9223372036854775807, 0)", 0), ("(9223372036854775808, 0)", 0),
    ("(18446744073709551616, 0)", 0), ("(4294967296, 4294967296, 0)", 0), ("(2\n, 3)", 6), ("(2, 3)\n", 6),
]:
    edit(f"shape {text!r}", "{'descr': '<f4', 'fortran_order': False, 'shape': " + text + "}", count)
for version in [(2, 0), (3, 0)]:
    edit(f"shape (2L, 3L) in version {version}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L)}", 6, version)

for text in ["0", "1", "'False'", "None", "false", "(False)", "True", "not True", "False or True", "[False]"]:
    # True reads the six values as a Fortran-ordered [2, 3] array.
    edit(f"fortran_order {text}", "{'descr': '<f4', 'fortran_order': " + text + ", 'shape': (2, 3)}")

for descr, count, item in [
    ("'<f4'", 6, "<f4"), ("'f4'", 6, "<f4"), ("'=f4'", 6, "<f4"), ("'|f4'", 6, "<f4"), ("'>f4'", 6, ">f4"), ("'float32'", 6, "<f4"), ("'<float32'", 6, "<f4"),
    ("'single'", 6, "<f4"), ("'f'", 6, "<f4"), ("'<f'", 6, "<f4"), ("'float'", 6, "<f8"), ("'d'", 6, "<f8"), ("'double'", 6, "<f8"), ("'float64'", 6, "<f8"),
    ("'<f8'", 6, "<f8"), ("'f8'", 6, "<f8"), ("'=f8'", 6, "<f8"), ("'>f8'", 6, ">f8"), ("'<f2'", 6, "<f2"), ("'e'", 6, "<f2"), ("'float16'", 6, "<f2"),
    ("'<i4'", 6, "<i4"), ("'i4'", 6, "<i4"), ("'int32'", 6, "<i4"), ("'i'", 6, "<i4"), ("'intc'", 6, "<i4"), ("'<i8'", 6, "<i8"), ("'i8'", 6, "<i8"),
    ("'int64'", 6, "<i8"), ("'q'", 6, "<i8"), ("'longlong'", 6, "<i8"), ("'l'", 6, "<i8"), ("'int'", 6, "<i8"), ("'long'", 6, "<i8"),
    ("'|u1'", 6, "|u1"), ("'<u1'", 6, "|u1"), ("'>u1'", 6, "|u1"), ("'=u1'", 6, "|u1"), ("'u1'", 6, "|u1"), ("'B'", 6, "|u1"), ("'uint8'", 6, "|u1"), ("'ubyte'", 6, "|u1"),
    ("'|b1'", 6, "|b1"), ("'<b1'", 6, "|b1"), ("'b1'", 6, "|b1"), ("'?'", 6, "|b1"), ("'bool'", 6, "|b1"), ("'bool_'", 6, "|b1"), ("'b'", 6, "|i1"),
    ("'<i2'", 6, "<i2"), ("'<u4'", 6, "<u4"), ("'<c8'", 6, "<c8"), ("'<F4'", 6, "<f4"), ("'<f04'", 6, "<f4"), ("'<f4 '", 6, "<f4"), ("' <f4'", 6, "<f4"),
    ("'<f 4'", 6, "<f4"), ("''", 6, "<f4"), ("'<'", 6, "<f4"), ("'<f4\\x00'", 6, "<f4"), ("'\\x3cf4'", 6, "<f4"), ("'\\u003cf4'", 6, "<f4"), ("'\\74f4'", 6, "<f4"),
    ("r'\\x3cf4'", 6, "<f4"), ("'<' 'f4'", 6, "<f4"), ("'''<f4'''", 6, "<f4"), ('"<f4"', 6, "<f4"), ("u'<f4'", 6, "<f4"), ("b'<f4'", 6, "<f4"),
    ("f'<f4'", 6, "<f4"), ("['<f4']", 6, "<f4"), ("[('a', '<f4')]", 6, "<f4"), ("[('', '<f4')]", 6, "<f4"), ("('<f4', (2,))", 12, "<f4"),
    ("('<f4', ())", 6, "<f4"), ("'(2,)<f4'", 12, "<f4"), ("'(1,)<f4'", 6, "<f4"), ("'2<f4'", 12, "<f4"), ("None", 6, "<f8"), ("1", 6, "<f4"), ("'f4,f4'", 12, "<f4"),
    ("'<f4', ", 6, "<f4"), ("'<M8'", 6, "<f8"), ("'O'", 6, "<f8"), ("'|O'", 6, "<f8"), ("'<U1'", 6, "<U1"), ("'V4'", 6, "<f4"),
]:
    # (2, 3) elements of `descr`, that is `count` items of `item` (a subarray or structured dtype holds several).
    edit(f"descr {descr}", "{'descr': " + descr + ", 'fortran_order': False, 'shape': (2, 3)}", payload=(np.arange(count) % 7).astype(item).tobytes())

# Not a dict, or more than one.
for text in ["['descr', '<f4']", "('<f4', False, (2, 3))", "'a string'", "", "   ", "\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)},",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}}",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} {}", "dict(descr='<f4', fortran_order=False, shape=(2, 3))",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) 'x'}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3),,}",
             "{, 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), **{}}",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}; 1", "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': ...}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': {1, 2}}",
             "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), [1]: 2}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1.5e3}"]:
    edit(f"not one dict: {text!r}", text)

# Characters and encodings.
edit("a null byte in the padding", BASE + " \x00\n")
edit("latin-1 text in an extra key (version 1)", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'caf\xe9': 1}")
edit("latin-1 in a key that then differs (version 1)", "{'descr': '<f4', 'fortran_order': False, 'sh\xe4pe': (2, 3)}")
edit("utf-8 text in a comment (version 3)", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} # caf\u00e9", version=(3, 0))
edit("invalid utf-8 (version 3)", None, version=(3, 0), raw_header=BASE.encode() + b" # \xff\xfe")
edit("a byte-order mark (version 3)", "\ufeff" + BASE, version=(3, 0))
edit("a non-breaking space between tokens", "{'descr':\xa0'<f4', 'fortran_order': False, 'shape': (2, 3)}")
edit("full-width True", "{'descr': '<f4', 'fortran_order': \uff34rue, 'shape': (2, 3)}", version=(3, 0))
edit("a header of 10,000 characters", BASE.ljust(9999) + "\n")
edit("a header of 10,001 characters", BASE.ljust(10000) + "\n", version=(2, 0))
edit("version 2.0 with a short header", BASE, version=(2, 0))

# The magic, the version and the data.
for major, minor in [(1, 1), (0, 0), (4, 0), (2, 1), (255, 0)]:
    edit(f"format version {major}.{minor}", BASE, version=(major, minor))
edit("one byte of data short", BASE, payload=payload_f4(6)[:-1])
edit("one value short", BASE, 5)
edit("one byte of data too many", BASE, payload=payload_f4(6) + b"\x00")
edit("one value too many", BASE, 7)
edit("no data", BASE, 0)
add("header length beyond the file", MAGIC + b"\x01\x00" + struct.pack("<H", 500) + BASE.encode())
add("magic only", MAGIC + b"\x01\x00")
add("wrong magic", b"\x93NUMPZ\x01\x00" + struct.pack("<H", len(BASE)) + BASE.encode() + payload_f4(6))
add("empty file", b"")

json.dump({"numpy": np.__version__, "python": sys.version.split()[0], "entries": entries}, sys.stdout, indent=0)
sys.stdout.write("\n")
