"""A Vosk model's graph files in OpenFst's binary format: the words Gr.fst can output, and whether a file is whole."""

# Why by hand: the small models ship no graph/words.txt, and Vosk takes its vocabulary from Gr.fst's output
# symbol table (vosk-api src/model.cc). Gr.fst is an OpenGrm "ngram" FST; kaldifst (the maintained Python
# binding of OpenFst, 1.4 MB aarch64 wheels) reads only "vector" and "const" FSTs and refuses it ("Unknown FST
# type ngram"), and has no way to read a symbol table from the middle of a file. The layout is short and stable
# (OpenFst fst/fst.h FstHeader, fst/symbol-table.cc, extensions/ngram/ngram-fst.h):
#   header:  int32 magic, string fst type, string arc type, int32 version, int32 flags, uint64 properties,
#            int64 start, int64 states, int64 arcs; then the input symbol table if flags & 1, the output one
#            if flags & 2.
#   symbols: int32 magic, string name, int64 available key, int64 size, then size x (string word, int64 key).
#   strings: int32 length, then that many UTF-8 bytes. Everything little-endian.

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

FST_MAGIC = 2125659606
SYMBOLS_MAGIC = 2125658996
ADDON_MAGIC = 446681434  # a MatcherFst (HCLr.fst's "olabel_lookahead") stores its inner FST after this
_HAS_ISYMBOLS, _HAS_OSYMBOLS = 1, 2
_CONST_STATE_BYTES, _ARC_BYTES = 20, 16  # ConstFst<StdArc, uint32>: (weight, pos, arcs, in-eps, out-eps); arc


class GraphFileError(ValueError):
    """A graph file that is not what OpenFst writes, or that ends too soon; the message says how."""


@dataclass(frozen=True)
class Header:
    """An FST file's header, and the symbol tables that follow it."""

    fst_type: str
    version: int
    states: int
    arcs: int
    output_symbols: list[str] | None
    end: int
    """Offset of the first byte after the header and its symbol tables."""


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise GraphFileError(f"{self.name} ends too soon (at byte {len(self.data)}): the file is cut short")
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return int(value)

    def text(self) -> bytes:
        n = self.take("<i")
        if n < 0 or self.pos + n > len(self.data):
            raise GraphFileError(f"{self.name} ends too soon (at byte {len(self.data)}): the file is cut short")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def symbols(self, keep: bool) -> list[str] | None:
        if self.take("<i") != SYMBOLS_MAGIC:
            raise GraphFileError(f"{self.name}: a damaged symbol table (wrong magic number)")
        self.text()
        self.take("<q")
        size = self.take("<q")
        words: list[str] = []
        data, pos, end = self.data, self.pos, len(self.data)
        unpack = struct.unpack_from
        try:
            for _ in range(size):
                (n,) = unpack("<i", data, pos)
                if keep:
                    words.append(data[pos + 4 : pos + 4 + n].decode("utf-8"))
                pos += n + 12
        except struct.error:
            raise GraphFileError(f"{self.name} ends too soon (at byte {end}): the file is cut short") from None
        except UnicodeDecodeError as error:
            raise GraphFileError(f"{self.name}: a damaged symbol table ({error})") from None
        if pos > end:
            raise GraphFileError(f"{self.name} ends too soon (at byte {end}): the file is cut short")
        self.pos = pos
        return words if keep else None


def read_header(data: bytes, name: str, with_output_symbols: bool = True) -> Header:
    """The header at the start of `data` (the file named `name`, for messages)."""
    r = _Reader(data, name)
    if r.take("<i") != FST_MAGIC:
        raise GraphFileError(f"{name} is not an OpenFst file (wrong magic number)")
    fst_type = r.text().decode("ascii", "replace")
    r.text()
    version, flags = r.take("<i"), r.take("<i")
    r.take("<Q")
    r.take("<q")
    states, arcs = r.take("<q"), r.take("<q")
    if flags & _HAS_ISYMBOLS:
        r.symbols(keep=False)
    words = r.symbols(keep=with_output_symbols) if flags & _HAS_OSYMBOLS else None
    return Header(fst_type, version, states, arcs, words, r.pos)


def output_words(gr_fst: Path) -> tuple[str, ...] | None:
    """The words Gr.fst can output (its output symbol table, in its order): what Vosk can hear. None if it has no
    such table. Raises GraphFileError if the file is damaged or, for an ngram FST (the small models'), not whole.
    """
    name = f"{gr_fst.parent.name}/{gr_fst.name}"
    data = gr_fst.read_bytes()
    header = read_header(data, name)
    if header.fst_type == "ngram":
        _check_size(name, len(data), _ngram_size(data, header.end, name), exact=True)
    return None if header.output_symbols is None else tuple(header.output_symbols)


def check_lookahead_graph(hclr_fst: Path, with_tables: bool = False) -> None:
    """Raise GraphFileError if HCLr.fst (a const FST inside a lookahead matcher) is cut short. Without
    `with_tables`, only up to the end of its inner FST (the header says where: instant); with it, also the
    lookahead tables after that, which Vosk reads without checking (a cut there crashes it or leaves it deaf).
    Walking the tables reads every state's entry: about 0.3 s for the Korean model's 2 million states here."""
    name = f"{hclr_fst.parent.name}/{hclr_fst.name}"
    with hclr_fst.open("rb") as f:
        head = f.read(1 << 12)
    header = read_header(head, name, with_output_symbols=False)
    if not header.fst_type.endswith("_lookahead"):
        return
    r = _Reader(head, name)
    r.pos = header.end
    if r.take("<i") != ADDON_MAGIC:
        raise GraphFileError(f"{name}: a damaged lookahead graph (wrong add-on magic number)")
    inner = read_header(head[r.pos :], name, with_output_symbols=False)
    if inner.fst_type != "const" or inner.version < 2:  # version 1 pads to 16 bytes: not in Vosk's models
        return
    end = r.pos + inner.end + inner.states * _CONST_STATE_BYTES + inner.arcs * _ARC_BYTES
    size = hclr_fst.stat().st_size
    _check_size(name, size, end + 1, exact=False)
    if with_tables:
        with hclr_fst.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            _check_size(name, size, _tables_end(data, end, name), exact=True)


def _tables_end(data: mmap.mmap, at: int, name: str) -> int:
    """Where the lookahead matcher's tables after the inner FST end (OpenFst add-on.h AddOnImpl/AddOnPair,
    label-reachable.h LabelReachableData::Write): a bool "has add-on", then a pair of optional tables, each
    (bool reach_input, bool keep_relabel_data, [int64 n, n x (int32, int32)], int32 final_label,
    int64 sets, sets x (int64 n, n x (int32 begin, int32 end), int32 count))."""
    unpack, size = struct.unpack_from, len(data)

    def cut() -> GraphFileError:
        return GraphFileError(f"{name} is cut short ({size} bytes; its lookahead tables go on past the end)")

    try:
        pos = at + 1
        if not data[at]:
            return pos
        for _ in range(2):
            pos += 1
            if not data[pos - 1]:
                continue
            keep_relabel = data[pos + 1]
            pos += 2
            if keep_relabel:
                pos += 8 + 8 * unpack("<q", data, pos)[0]
            pos += 4
            (sets,) = unpack("<q", data, pos)
            pos += 8
            for _ in range(sets):
                (n,) = unpack("<q", data, pos)
                pos += 12 + 8 * n
                if pos > size or n < 0:
                    raise cut() if n >= 0 else GraphFileError(f"{name}: a damaged lookahead table")
    except (struct.error, IndexError):
        raise cut() from None
    return pos


def _check_size(name: str, size: int, expected: int, exact: bool) -> None:
    if size < expected:
        raise GraphFileError(f"{name} is cut short ({size} of {expected} bytes)")
    if size > expected and exact:
        raise GraphFileError(f"{name} is damaged ({size} bytes where {expected} were expected)")


def _ngram_size(data: bytes, at: int, name: str) -> int:
    """NGramFst's storage after its header (OpenGrm ngram-fst.h, NGramFstImpl::Storage): three counts, three
    bitmaps in 64-bit words, the labels, then the weights, 4-byte aligned."""
    r = _Reader(data, name)
    r.pos = at
    states, futures, finals = r.take("<Q"), r.take("<Q"), r.take("<Q")

    def words(bits: int) -> int:
        return (bits + 63) // 64

    size = 24 + 8 * (words(2 * states + 1) + words(futures + states + 1) + words(states))
    size += 4 * (states + 1) + 4 * futures
    size = (size + 3) & ~3
    size += 4 * (states + 1) + 4 * finals + 4 * (futures + 1)
    return at + size
