"""Bytes to text: which encoding a dropped file is in, and whether it is text at all.

Poll files come from Excel exports, Russian and Ukrainian pollsters' sites and scrapers: UTF-8
with or without a byte-order mark, UTF-16 with one, and the Windows code pages cp1251
(Cyrillic) and cp1252 (Western European). A file is read in the first of those that fits; a guess
is said out loud, and what is none of them is refused with a reason a person can act on.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re


class UnreadableFile(Exception):
    """The file as a whole cannot be read as a CSV table; the message says why, in one line."""

    def __init__(self, reason: str, line: int | None = None, rule: str = "not_a_csv"):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.rule = rule


BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MARKUP_STARTS = ("<?xml", "<!doctype", "<html", "<head", "<body")
MARKUP_CHARS = 64 * 1024
# In cp1251 text, Cyrillic letters (bytes 0xC0-0xFF) come in whole words; in cp1252 text the
# same bytes are accented Latin letters, mostly alone between ASCII ones.
HIGH_LETTER_RUN = re.compile(rb"[\xc0-\xff\xa8\xb8\xaa\xba\xaf\xbf\xb2\xb3\xa5\xb4]{2,}")
HIGH_LETTER = re.compile(rb"[\xc0-\xff]")
# A Cyrillic letter in UTF-8 (two bytes, D0 or D1 then a continuation byte): in a file that is not
# UTF-8 as a whole, a sign that some of its lines may be.
UTF8_CYRILLIC = re.compile(rb"[\xd0\xd1][\x80-\xbf]")
# What a line that decodes as UTF-8 must hold beyond ASCII to be taken for UTF-8: Latin letters,
# the modern Russian, Ukrainian and Belarusian alphabets, common punctuation. A cp1251 line can
# decode as UTF-8 by chance ("Сі" is the two bytes of the old letter "ѳ"), hardly ever into these.
PLAUSIBLE_UTF8 = re.compile(
    "[\x00-\x7f\u00a0-\u017f\u0401\u0404\u0406\u0407\u040e\u0410-\u044f\u0451\u0454"
    "\u0456\u0457\u045e\u0490\u0491\u2010-\u2044\u2116]*"
)


class Decoded:
    """A file's text, its encoding, and whether that encoding was a guess (no byte-order mark
    or valid UTF-8 said so). ASCII text is kept as its bytes and made a str only if asked:
    a big file's fast path reads the bytes and never needs it."""

    def __init__(
        self,
        text: str | None,
        encoding: str,
        guessed: bool,
        utf8_bytes: bytes | None = None,
        utf8_lines: list[int] | None = None,
    ):
        self._text = text
        self.encoding = encoding
        self.guessed = guessed
        # The file's own bytes when they are the UTF-8 of the text (saves encoding it again).
        self.utf8_bytes = utf8_bytes
        # In a file of two exports joined, one UTF-8 and one not: the lines read as UTF-8.
        self.utf8_lines = utf8_lines or []

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.utf8_bytes.decode("utf-8")
        return self._text

    def head(self, chars: int) -> str:
        """The first `chars` characters (all of them if fewer), without decoding the rest."""
        if self._text is None and self.utf8_bytes.isascii():
            return self.utf8_bytes[:chars].decode("ascii")
        return self.text[:chars]

    def utf8(self) -> bytes:
        return self.utf8_bytes if self.utf8_bytes is not None else self.text.encode("utf-8")


# A line of nothing but spaces, tabs and separators (any of the delimiters delimiter.py knows): a
# blank record, which every reader skips.
BLANK_LINE = re.compile(rb"\n[ \t,;|]*\r?(?:\n|\Z)")
# A line with nothing on it (DuckDB's reader skips it, where a record of separators is a row).
EMPTY_LINE = re.compile(rb"\n\r?(?=\n)")
# More empty lines than this and a big file is read whole (and refused if over the limit): each
# is a step in its line numbers.
MOST_EMPTY_LINES = 10_000


class PlainUtf8:
    """Whether a file fed block by block is plain UTF-8 text (a UTF-8 byte-order mark allowed,
    no NUL byte), and how many line breaks it has: a big file of that kind is read by DuckDB
    where it lies, never held whole; any other is read whole, where decode() says what it is.
    It also notes whether the file has a quote character or a blank line anywhere: a file with
    neither (most big exports) is spared the checks those need."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.plain = True
        self.newlines = 0
        self.ends_with_newline = False
        self.quotes = False
        self.blank_lines = False
        # The numbers of the lines with nothing on them (None: too many to keep)
        self.empty_lines: list[int] | None = []
        self._last_line = b""  # the part of the last block after its last line break

    def feed(self, block: bytes) -> None:
        if not block or not self.plain:
            return
        carried = self._last_line
        self._note_empty_lines(carried + block, self.newlines - carried.count(b"\n"))
        self.newlines += block.count(b"\n")
        self.ends_with_newline = block.endswith(b"\n")
        self.quotes = self.quotes or b'"' in block
        if not self.blank_lines:
            self.blank_lines = BLANK_LINE.search(self._last_line + block) is not None
        self._last_line = block[block.rfind(b"\n") :] if b"\n" in block else self._last_line + block
        if b"\x00" in block:
            self.plain = False
        elif not block.isascii() or self._decoder.getstate()[0]:
            try:
                self._decoder.decode(block)
            except UnicodeDecodeError:
                self.plain = False

    def _note_empty_lines(self, data: bytes, before: int) -> None:
        """The numbers of the empty lines that start in `data` (`before`: the line breaks
        ahead of it). A line break at its end has its next line in the next block, which
        carries it over (_last_line)."""
        if self.empty_lines is None or b"\n\n" not in data and b"\n\r\n" not in data:
            return
        counted, at = before, 0
        for found in EMPTY_LINE.finditer(data):
            counted += data.count(b"\n", at, found.start() + 1)
            at = found.start() + 1
            self.empty_lines.append(counted + 1)
            if len(self.empty_lines) > MOST_EMPTY_LINES:
                self.empty_lines = None
                return

    def finish(self) -> bool:
        """Whether the whole file was plain (a character cut off at its end is not)."""
        if self.plain:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.plain = False
        return self.plain

    @property
    def records(self) -> int:
        """Lines after the header line, as a reader reading one record a line counts them."""
        return self.newlines - 1 + (0 if self.ends_with_newline else 1)


def decode(data: bytes) -> Decoded:
    if not data.strip():
        raise UnreadableFile(
            "empty file: no header and no rows" if data else "empty file (0 bytes)",
            rule="empty_file",
        )
    refuse_known_binary(data)
    decoded = _decode_text(data)
    refuse_markup(decoded.head(MARKUP_CHARS))
    _refuse_json(decoded)
    return decoded


# Files that people save under a .csv name, or drop beside their CSVs, by their first bytes: each
# is "binary data" to a CSV reader, which does not tell the person what to do instead.
KNOWN_BINARY = (
    (
        b"PK\x03\x04",
        "a ZIP archive, as an Excel (.xlsx) or OpenDocument (.ods) workbook is: save the sheet"
        " as CSV, or unzip the archive and drop its CSV files",
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel (.xls) or Word (.doc) file: save the sheet as CSV",
    ),
    (b"%PDF-", "a PDF document: the table has to be exported as CSV"),
    (b"\x1f\x8b", "gzip-compressed: unpack it (gunzip) and drop the CSV inside"),
    (b"BZh", "bzip2-compressed: unpack it (bunzip2) and drop the CSV inside"),
    (b"\xfd7zXZ\x00", "xz-compressed: unpack it (unxz) and drop the CSV inside"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed: unpack it (unzstd) and drop the CSV inside"),
    (b"PAR1", "a Parquet file: write the table as CSV (pandas: to_csv)"),
    (b"SQLite format 3\x00", "an SQLite database: export the table as CSV"),
)


def refuse_known_binary(data: bytes) -> None:
    """`data`: the file's bytes, or its first block (a Parquet file is told by its last bytes
    too, "PAR1" being a name a header could start with; from the first block alone it is
    "binary data" when read)."""
    for signature, what in KNOWN_BINARY:
        if data.startswith(signature) and (signature != b"PAR1" or data.endswith(signature)):
            raise UnreadableFile(f"not a CSV: {what}", rule="not_a_csv")


def _refuse_json(decoded: Decoded) -> None:
    """A JSON export (an API's answer saved as .csv) read as CSV gives 'header only' or 'no
    layout fits ([)': say what it is."""
    start = decoded.head(MARKUP_CHARS).lstrip()[:1]
    if start not in ("{", "["):
        return
    text = decoded.text
    try:
        json.loads(text)
        kind = "JSON"
    except ValueError:
        try:  # JSON Lines: an object a line
            json.loads(text.lstrip().splitlines()[0])
            kind = "JSON Lines"
        except ValueError:
            return  # a CSV whose first cell starts with a bracket
    raise UnreadableFile(
        f"this is {kind}, not CSV: export the table as CSV (comma-separated, a header line first)",
        rule="not_a_csv",
    )


def _decode_text(data: bytes) -> Decoded:
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return Decoded(data.decode(encoding), encoding.removesuffix("-sig"), False)
            except UnicodeDecodeError as first:
                what = f"not valid {encoding.removesuffix('-sig').upper()} text after its mark"
                # Decoded again past the mark, so the byte and line named are the file's own
                # (the codec counts from after the mark).
                try:
                    data[len(mark) :].decode(encoding.removesuffix("-sig"))
                except UnicodeDecodeError as err:
                    err.start += len(mark)
                    raise _undecodable(data, err, what) from None
                raise _undecodable(data, first, what) from None
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            "not a CSV: binary data (NUL bytes), or UTF-16 without a byte-order mark"
        )
    if (nul := data.find(b"\x00")) >= 0:
        line = data[:nul].count(b"\n") + 1
        raise UnreadableFile(
            f"not a CSV: a NUL byte on line {line} (binary data, or a damaged file)", line
        )
    if data.isascii():
        return Decoded(None, "utf-8", False, data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False, data)

    except UnicodeDecodeError as err:
        utf8_error = err
    encoding = guess_single_byte_encoding(data)
    try:
        if UTF8_CYRILLIC.search(data) and (mixed := _line_by_line(data, encoding)):
            return mixed
        return Decoded(data.decode(encoding), encoding, True)
    except UnicodeDecodeError:
        raise _undecodable(data, utf8_error, "not UTF-8 text, nor cp1251 or cp1252") from None


def _line_by_line(data: bytes, encoding: str) -> Decoded | None:
    """Two exports joined into one file, one in UTF-8 and one in `encoding`: each line read in
    its own. None when no line with letters beyond ASCII reads as UTF-8 (one encoding)."""
    lines = data.split(b"\n")
    utf8_lines, texts = [], []
    for number, line in enumerate(lines, 1):
        text = None
        if not line.isascii():
            with contextlib.suppress(UnicodeDecodeError):
                text = line.decode("utf-8")
            if text is not None and PLAUSIBLE_UTF8.fullmatch(text):
                utf8_lines.append(number)
            else:
                text = None
        texts.append(line.decode(encoding) if text is None else text)
    if not utf8_lines:
        return None
    return Decoded("\n".join(texts), encoding, True, utf8_lines=utf8_lines)


def guess_single_byte_encoding(data: bytes) -> str:
    """cp1251 when non-ASCII letters run together as Cyrillic words do, else cp1252.

    Kept by hand because it was measured better than charset-normalizer (bench/encoding_guess.py,
    on the real files re-encoded and on single cells): 15 of 15 right against 14 of 15 when that
    library is told the two candidates, 5 of 15 when it is not (it reads French as cp1250 and
    538's files as big5).
    """
    letters = len(HIGH_LETTER.findall(data))
    in_runs = sum(len(run) for run in HIGH_LETTER_RUN.findall(data))
    return "cp1251" if letters and in_runs / letters > 0.5 else "cp1252"


def _undecodable(data: bytes, err: UnicodeDecodeError, what: str) -> UnreadableFile:
    line = data[: err.start].count(b"\n") + 1
    return UnreadableFile(
        f"{what}: byte 0x{data[err.start]:02x} on line {line} cannot be decoded; "
        "save the file as UTF-8",
        line,
        rule="unknown_encoding",
    )


def refuse_markup(text: str) -> None:
    start = text.lstrip()[:200].lower()
    if start.startswith(MARKUP_STARTS):
        first = text.lstrip().splitlines()[0][:60]
        raise UnreadableFile(
            f"not a CSV: an HTML/XML page (it starts with {first!r}); "
            "the download probably failed, fetch the file again"
        )
