"""Read a report (.txt/.md/.docx/.pdf) into one normalized text that every span indexes.

Normalization repairs what copying out of PDFs does to these reports (broken lines, page
numbers, ``PM_{2.5}``, ``2024 年``) while keeping an exact map from each character of the
normalized text back to the decoded source, so a span can always be shown in the original.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.errors import InputError
from extractor.folding import simplified_same_length
from extractor.furniture import is_furniture_line
from extractor.schemas import Source

if TYPE_CHECKING:
    from docx.table import Table

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")

_Pair = tuple[str, int]  # a character of the text being built and its index in raw

_NEWLINES = frozenset("\n\f\v\x1c\x1d\x1e\x85\u2028\u2029")
_FULLWIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"％": "%"}
# Full-width Latin letters only: NFKC would also rewrite ，：（） which the contract keeps.
_FULLWIDTH |= {chr(0xFF21 + k): chr(0x41 + k) for k in range(26)}
_FULLWIDTH |= {chr(0xFF41 + k): chr(0x61 + k) for k in range(26)}
_SUBSCRIPTS = {chr(0x2080 + d): str(d) for d in range(10)}

_PM = re.compile(
    r"PM(?:_\{ *(?:2\.5|10) *\}|_(?:2\.5|10)(?![\d.])|₂ *[.．·]? *₅|₁₀| +(?:2\.5|10)(?![\d.]))"
)
# A bracketed pinyin syllable with a tone mark right after a character: mirror-site junk.
_PINYIN = re.compile(
    r"(?<=[\u4e00-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)"
)
_PAGE_NUMBER = re.compile(
    r"[-—–－~～_·•. ]*\d{1,3}[-—–－~～_·•. ]*"
    r"|第 ?\d{1,3} ?页(?: ?[,，/]? ?共 ?\d{1,3} ?页)?"
    r"|\d{1,3} ?/ ?\d{1,3}"
    r"|(?i:page) \d{1,3}(?: of \d{1,3})?"
)
_HEADING = re.compile(
    r"#{1,6} |[一二三四五六七八九十百零〇]+、|[（(][一二三四五六七八九十百零〇]+[）)]"
    r"|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳]|第[一二三四五六七八九十百零〇\d]+[章节部分条]"
)
_FOOTER = re.compile(
    r"^(?:签发|校对|审核|核稿|抄送|主送|报送|分送|印发|联系人|联系电话|承办单位?) ?[：:]|日印发?$"
)
_TABLE_CELL_SEP = " | "
# A line that ends in one of these closed its sentence or heading; it is never joined.
_CLOSERS = frozenset("。！？；：;:!?）」”』)】….")
# A line that ends in one of these was surely cut mid-sentence.
_SOFT_ENDS = frozenset("，、,（(“「『《【的和与及或在对为把被将从向由受于以并而")
# A line that starts with one of these continues the previous one.
_CONT_STARTS = frozenset("，。、；：？！,;:?!）)》」』”%")
# After a line that ends in a digit, a line starting with one of these carries on the number.
_NUMBER_GOES_ON = frozenset(
    "0123456789.．万亿千百个天家辆件起项条处套次吨元亩公米微毫分倍年月日名位"
)
_BODY_PUNCT = frozenset("，。；：,;:！？!?")
# A paragraph this long that stops without punctuation was wrapped (a full PDF line), not ended.
_FULL_LINE = 25
_MIN_PDF_CHARS_PER_PAGE = 10
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class LoadedDocument:
    path: str | None
    raw: str
    text: str
    offsets: Sequence[int]  # an index into ``raw`` for each character of ``text``, and its end
    sha256: str
    encoding: str

    @property
    def doc_id(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def source(self) -> Source:
        return Source(
            path=self.path, sha256=self.sha256, chars=len(self.text), encoding=self.encoding
        )

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` to ``raw[a:b]``: from its first to its last kept character."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the text (length {len(self.text)})")
        if start == end:
            return self.offsets[start], self.offsets[start]
        stop = self.offsets[end - 1] + 1
        # The brace dropped from PM_{2.5} belongs to the token, not to what follows it.
        while stop < self.offsets[end] and self.raw[stop] == "}":
            stop += 1
        return self.offsets[start], stop


MAX_MB = 20.0  # the default limit on an input's size


def _too_big(shown: str, size: int, max_mb: float | None) -> None:
    if max_mb is not None and size > max_mb * 1_000_000:
        raise InputError(
            shown,
            f"is {size / 1_000_000:.1f} MB, over the {max_mb:g} MB limit; raise it with "
            "--max-mb (max_mb= in Python) or split the file",
            kind="too_large",
        )


def load(path: str | os.PathLike[str], *, max_mb: float | None = MAX_MB) -> LoadedDocument:
    """Read and normalize one report file; every failure is an ``InputError``. A file over
    ``max_mb`` megabytes is refused before it is read (None: no limit)."""
    shown = os.fspath(path)
    p = Path(shown)
    try:
        found, is_dir = p.exists(), p.is_dir()
    except OSError as exc:  # e.g. a name longer than the filesystem allows
        raise InputError(shown, f"is not a usable path ({_one_line(exc)})") from exc
    if not found:
        raise InputError(shown, "file not found; check the path")
    if is_dir:
        raise InputError(shown, "is a directory, not a file; pass one report file")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{p.suffix}'" if p.suffix else "(no extension)"
        raise InputError(
            shown,
            f"unsupported file type {kind}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
            " (save or export the report as one of these)",
            kind="unsupported",
        )
    try:
        _too_big(shown, p.stat().st_size, max_mb)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot be read ({_one_line(exc.strerror or exc)})") from exc
    return _from_bytes(data, shown, suffix)


def load_bytes(
    data: bytes, *, path: str | None = None, suffix: str = ".txt", max_mb: float | None = MAX_MB
) -> LoadedDocument:
    """Read a report held in memory as bytes, as a file of that ``suffix`` would be read."""
    _too_big(path or "<bytes>", len(data), max_mb)
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            path,
            f"unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}",
            kind="unsupported",
        )
    return _from_bytes(data, path or "<bytes>", suffix.lower(), keep_path=path is not None)


def _from_bytes(data: bytes, shown: str, suffix: str, *, keep_path: bool = True) -> LoadedDocument:
    if not data.strip():
        raise InputError(shown, "is empty; check that this is the right file", kind="empty")
    if suffix == ".docx":
        raw, encoding = _docx_text(data, shown), "docx"
    elif suffix == ".pdf":
        raw, encoding = _pdf_text(data, shown), "pdf"
    else:
        raw, encoding = _decode(data, shown)
    digest = hashlib.sha256(data).hexdigest()
    return _build(raw, path=shown if keep_path else None, sha256=digest, encoding=encoding)


def load_text(
    text: str, *, path: str | None = None, max_mb: float | None = MAX_MB
) -> LoadedDocument:
    """Normalize text that is already in memory (the encoding is recorded as ``'str'``)."""
    encoded = text.encode("utf-8", "surrogatepass")
    _too_big(path or "<text>", len(encoded), max_mb)
    digest = hashlib.sha256(encoded).hexdigest()
    return _build(text, path=path, sha256=digest, encoding="str")


def _build(raw: str, *, path: str | None, sha256: str, encoding: str) -> LoadedDocument:
    text, offsets = normalize(raw)
    if not text:
        raise InputError(
            path or "<text>",
            "contains no text (only whitespace or page numbers); check that this is the right file",
            kind="empty",
        )
    return LoadedDocument(path, raw, text, offsets, sha256, encoding)


def _one_line(detail: object) -> str:
    return " ".join(str(detail).split())[:200]


def _decode(data: bytes, shown: str) -> tuple[str, str]:
    text: str | None = None
    encoding = ""
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _try(data, "utf-8-sig"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _try(data, "utf-16"), "utf-16"
    elif b"\x00" in data:
        text, encoding = _utf16_without_bom(data), "utf-16"
        if text is None:
            raise InputError(
                shown, "looks like a binary file (it has NUL bytes), not a text report"
            )
    else:
        for encoding in ("utf-8", "gb18030"):
            text = _try(data, encoding)
            if text is not None:
                break
        else:
            text, encoding = _guess(data)
    if text is None:
        raise InputError(
            shown,
            "is not in a supported text encoding (UTF-8, UTF-16, GB18030/GBK); "
            "save it as UTF-8 and try again",
        )
    controls = len(_CONTROL.findall(text))
    if controls > 0.05 * len(text):
        raise InputError(shown, "looks like a binary file (mostly control characters), not text")
    return text, encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark (some Windows tools do): its NUL bytes are the
    high bytes of ASCII characters, so nearly all sit at odd offsets (little-endian) or at even
    ones (big-endian); binary files scatter them, and must decode to Chinese text besides."""
    if len(data) % 2:
        return None
    odd = data[1::2].count(0)
    even = data[0::2].count(0)
    # a few CJK characters have a zero low byte too (一 is U+4E00), so the side is a majority
    if odd >= 4 * even:
        text = _try(data, "utf-16-le")
    elif even >= 4 * odd:
        text = _try(data, "utf-16-be")
    else:
        return None
    visible = [c for c in text or "" if not c.isspace()]
    if not visible or sum(map(_is_cjk, visible)) < 0.3 * len(visible):
        return None  # decodes, but to no Chinese text: not a report
    return text


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _guess(data: bytes) -> tuple[str | None, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None, ""
    text = str(best)
    # The documents are Chinese: a guess that yields no Chinese is mojibake, not a decoding.
    visible = [c for c in text if not c.isspace()]
    if not visible or sum(map(_is_cjk, visible)) < 0.1 * len(visible):
        return None, ""
    return text, best.encoding


def _docx_text(data: bytes, shown: str) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            else:
                lines.append(block.text)
    except Exception as exc:  # python-docx raises zip, XML and KeyError types alike
        raise InputError(
            shown,
            f"is not a readable .docx ({type(exc).__name__}: {_one_line(exc)}); "
            "open it in Word or WPS and save it again as .docx",
        ) from exc
    return "\n".join(lines)


def _table_rows(table: Table) -> list[str]:
    """One line per row, cells separated by `` | `` so that a lone number is not a page number."""
    rows: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(_TABLE_CELL_SEP.join(cells))
    return rows


def _pdf_text(data: bytes, shown: str) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        chain = f"{exc!r} {exc.__cause__!r} {exc.__context__!r}".lower()
        if "password" in chain or "encrypt" in chain:
            raise InputError(
                shown,
                "the PDF is encrypted; remove the password (e.g. qpdf --decrypt in.pdf out.pdf)"
                " and try again",
            ) from exc
        raise InputError(
            shown,
            f"is not a readable PDF ({type(exc).__name__}: {_one_line(exc)}); "
            "re-export it or save the text as .txt",
        ) from exc
    text = "\n".join(pages)
    visible = "".join(text.split())
    unmapped = sum(len(m) for m in _CID.findall(visible))
    if len(visible) - unmapped < _MIN_PDF_CHARS_PER_PAGE * max(1, len(pages)):
        raise InputError(
            shown,
            "the PDF has no usable text layer (a scan or image); run OCR first, "
            "e.g. ocrmypdf -l chi_sim in.pdf out.pdf, and load the result",
        )
    return text


# --- normalization ---------------------------------------------------------------------------


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
        or 0x3000 < o <= 0x303F  # CJK punctuation (U+3000 itself is a space)
        or 0xFF01 <= o <= 0xFF60  # full-width forms: ，：；（）
        or 0xFFE0 <= o <= 0xFFEE
        or c in "“”‘’—…·"
    )


def _spaces_go(left: str, right: str) -> bool:
    def numeric(c: str) -> bool:
        return c in "0123456789%"

    # a unit split at its slash ("微克/ 立方米", "mg /m3") is one unit
    if (left == "/" and (_is_cjk(right) or (right.isascii() and right.isalpha()))) or (
        right == "/" and (_is_cjk(left) or (left.isascii() and left.isalpha()))
    ):
        return True
    return (_is_cjk(left) and (_is_cjk(right) or numeric(right))) or (
        _is_cjk(right) and numeric(left)
    )


_DROPPED = "\x00"  # what a dropped character becomes before it is left out
_CRLF = re.compile("\r(?=\n)")
_NEWLINE = re.compile("\n")
# C0 and C1 controls but the whitespace ones (unicodedata category Cc less \t\n\v\f\r)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _rewrite(c: str) -> str:
    """What one character becomes (``_DROPPED`` for none)."""
    if c in _NEWLINES:  # a form feed is a page break, so it still ends a line
        return "\n"
    if c == "\t" or unicodedata.category(c) == "Zs":
        return " "
    if c == "\r":
        return c  # a newline unless one follows: decided with its neighbour
    if unicodedata.category(c) in ("Cc", "Cf"):
        return _DROPPED
    return _FULLWIDTH.get(c, c)


def _chars(raw: str, lo: int, hi: int) -> list[_Pair]:
    """One pass of 1:1 rewrites of ``raw[lo:hi]``: newlines unified, spaces unified, controls
    dropped. (Each distinct character is judged once and the block rewritten by a table.)"""
    block = raw[lo:hi]
    table = {ord(c): _rewrite(c) for c in set(block)}
    text = block.translate(table)
    if "\r" in text:
        # \r\n is one newline, a lone \r is one (judged on the raw text)
        chars = list(text)
        for m in _CRLF.finditer(block + raw[hi : hi + 1]):
            chars[m.start()] = _DROPPED
        text = "".join(chars).replace("\r", "\n")
    if _DROPPED in text:
        return _decimal_points(
            [(c, i) for c, i in zip(text, range(lo, hi), strict=True) if c != _DROPPED]
        )
    return _decimal_points(list(zip(text, range(lo, hi), strict=True)))


def _decimal_points(pairs: list[_Pair], text: str | None = None) -> list[_Pair]:
    if text is not None and "．" not in text:
        return pairs
    for k in range(1, len(pairs) - 1):
        if pairs[k][0] == "．" and pairs[k - 1][0].isdigit() and pairs[k + 1][0].isdigit():
            pairs[k] = (".", pairs[k][1])
    return pairs


def _drop_pinyin(chars: list[_Pair], s: str) -> tuple[list[_Pair], str]:
    """Mirror sites print a character's pinyin after it ("環(huán)境", "萬(wàn)噸"). It is not the
    report's text and it splits words and units, so it goes (the offset map keeps where it
    stood). ``s`` is the text of ``chars``; both are returned rewritten."""
    if "(" not in s:
        return chars, s
    out: list[_Pair] = []
    last = 0
    for m in _PINYIN.finditer(s):
        out.extend(chars[last : m.start()])
        last = m.end()
    out.extend(chars[last:])
    return out, _PINYIN.sub("", s)


def _fix_pm(chars: list[_Pair], s: str) -> tuple[list[_Pair], str]:
    out: list[_Pair] = []
    text: list[str] = []
    last = 0
    for m in _PM.finditer(s):
        out.extend(chars[last : m.start()])
        text.append(s[last : m.start()])
        for c, i in chars[m.start() : m.end()]:
            if c not in "_{} ":
                kept = "." if c in "．·" else _SUBSCRIPTS.get(c, c)
                out.append((kept, i))
                text.append(kept)
        last = m.end()
    if not last:
        return chars, s
    out.extend(chars[last:])
    text.append(s[last:])
    return out, "".join(text)


@dataclass
class _Line:
    pairs: list[_Pair]
    newline: int  # raw index of the newline that ended the line (len(raw) for the last)

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.pairs)


def _squeeze(pairs: list[_Pair]) -> list[_Pair]:
    """Drop edge spaces and spaces between CJK and CJK/digits; keep one elsewhere."""
    out: list[_Pair] = []
    k = 0
    while k < len(pairs):
        if pairs[k][0] != " ":
            out.append(pairs[k])
            k += 1
            continue
        j = k
        while j < len(pairs) and pairs[j][0] == " ":
            j += 1
        if k > 0 and j < len(pairs) and not _spaces_go(pairs[k - 1][0], pairs[j][0]):
            out.append(pairs[k])
        k = j
    return out


def _latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _is_block(line: str) -> bool:
    # page furniture (a breadcrumb, a stamp) stands on its own line: never run into the text
    return (
        bool(_HEADING.match(line) or _FOOTER.search(line))
        or _TABLE_CELL_SEP in line
        or is_furniture_line(simplified_same_length(line))
    )


def _continues(prev: str, nxt: str) -> bool:
    if _is_block(prev) or _is_block(nxt):
        return False
    if nxt[0] in _CONT_STARTS:
        return True
    if prev[-1].isdigit() and nxt[0] in _NUMBER_GOES_ON:
        return True  # a break inside "3\n136万元" or before the unit of "51\n微克/立方米"
    if prev[-1] in _CLOSERS:
        return False
    return prev[-1] in _SOFT_ENDS or len(prev) >= _FULL_LINE


def normalize(raw: str) -> tuple[str, array[int]]:
    """Return the normalized text and, for each of its characters, the index in ``raw``.

    The map has ``len(text) + 1`` entries; the last is ``len(raw)``. A long text is normalized
    in blocks cut where no line could be joined to the next (after a line ending in 。), so
    memory follows the block, not the whole text, and the result is the same.
    """
    parts: list[str] = []
    offsets: array[int] = array("q")
    in_front = True
    last_newline: int | None = None
    for lo, hi in _blocks(raw):
        paragraphs, in_front = _paragraphs(raw, lo, hi, in_front)
        for para, text in paragraphs:
            if last_newline is not None:
                parts.append("\n")
                offsets.append(last_newline)
            parts.append(text)
            offsets.extend(i for _, i in para.pairs)
            last_newline = para.newline
    offsets.append(len(raw))
    return "".join(parts), offsets


_BLOCK_CHARS = 200_000


def _blocks(raw: str) -> list[tuple[int, int]]:
    """[lo, hi) pieces of ``raw``, each but the last ending at a newline after a line that
    ends in 。 and before a line that does not continue it."""
    out: list[tuple[int, int]] = []
    lo = 0
    while len(raw) - lo > _BLOCK_CHARS:
        cut = _safe_cut(raw, lo + _BLOCK_CHARS)
        if cut is None:
            break
        out.append((lo, cut))
        lo = cut
    out.append((lo, len(raw)))
    return out


def _safe_cut(raw: str, at: int) -> int | None:
    """The end (after its newline) of the first line from ``at`` that ends in 。 and is
    followed by a line that starts something new; None when there is none."""
    k = raw.find("\n", at)
    while k >= 0:
        line_start = raw.rfind("\n", 0, k) + 1
        if raw[line_start:k].rstrip().endswith("。"):
            nxt = raw[k + 1 : k + 200].lstrip()
            if nxt and nxt[0] not in _CONT_STARTS:
                return k + 1
        k = raw.find("\n", k + 1)
    return None


def _paragraphs(raw: str, lo: int, hi: int, in_front: bool) -> tuple[list[tuple[_Line, str]], bool]:
    """The paragraphs of ``raw[lo:hi]`` with their text, and whether the title block goes on
    after it."""
    chars = _chars(raw, lo, hi)
    chars, s = _fix_pm(*_drop_pinyin(chars, "".join(c for c, _ in chars)))
    kept: list[tuple[_Line, str]] = []
    prev = 0
    for end in [m.start() for m in _NEWLINE.finditer(s)] + [len(s)]:
        pairs, text = chars[prev:end], s[prev:end]
        line = _Line(pairs, chars[end][1] if end < len(s) else hi)
        prev = end + 1
        if " " in text:
            line.pairs = _squeeze(line.pairs)
            text = line.text
        if "．" in text:  # again after squeezing, for "1 ．5"
            line.pairs = _decimal_points(line.pairs)
            text = line.text
        if text and not _PAGE_NUMBER.fullmatch(text):
            kept.append((line, text))

    paragraphs: list[tuple[_Line, str]] = []
    # in the title block its short lines are never run together. Decisions look at the
    # paragraph built so far, not at its last physical line, so that normalizing normalized
    # text changes nothing (gold files and re-runs rely on that).
    para_text = ""
    for line, text in kept:
        if paragraphs and not in_front and _continues(para_text, text):
            para = paragraphs[-1][0]
            a, b = para_text[-1], text[0]
            if _latin(a) and _latin(b) and not (a.isdigit() and b.isdigit()):
                para.pairs.append((" ", para.newline))  # the break stood for a space
                para_text += " "
            para.pairs.extend(line.pairs)
            para.newline = line.newline
            para_text += text
            paragraphs[-1] = (para, para_text)
        else:
            paragraphs.append((_Line(list(line.pairs), line.newline), text))
            para_text = text
        if in_front and (_BODY_PUNCT.intersection(text) or _HEADING.match(text)):
            # a page's breadcrumb or stamp above the title block does not end it
            in_front = is_furniture_line(simplified_same_length(text))
    return paragraphs, in_front
