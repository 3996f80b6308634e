"""The single-byte encoding guess (cp1251 or cp1252, for a file that is not UTF-8) against
charset-normalizer, on the same bytes: the real files' text re-encoded in each encoding, and
short cells of the kind a pollster's export holds (a Cyrillic or French name, a month).

Prints how many each gets right and how long it takes; pollwatch keeps its own guess only while
it is right more often (pollwatch/read/decoding.py says so beside it).

Run: .venv/bin/python bench/encoding_guess.py   (or make bench)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from charset_normalizer import from_bytes  # noqa: E402

from pollwatch.read.decoding import guess_single_byte_encoding  # noqa: E402

CELLS = {
    "cp1251": [
        "Левада-Центр;71,5;26,5",
        "Путин В.В.,одобряю",
        "Зеленський;довіряю;59,5",
        "ФОМ,ВЦИОМ,март 2022",
        "березень 2024;59,5;35",
        "Дата;Довіряю;Не довіряю\nберезень 2024;59,5;35\nквітень 2024;60;34\n",
    ],
    "cp1252": [
        "Février;Valéry Giscard d'Estaing;août",
        "baromètre mensuel, août",
        "Ifop;Macron;décembre 2021;41",
        "Élabe;sondage;mars",
        "date;président;approuve\nfévrier 2022;Macron;41\nmars 2022;Macron;43\n",
        "Kantar–Sofres; “cote de confiance”",
    ],
}


def samples() -> list[tuple[str, str, bytes]]:
    found = []
    for path in sorted((ROOT / "tests" / "fixtures" / "real").rglob("*.csv")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for encoding in CELLS:
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                continue
            if not data.isascii():
                found.append((path.name, encoding, data))
    found += [(f"cell {t[:24]!r}", e, t.encode(e)) for e, cells in CELLS.items() for t in cells]
    return found


def charset_normalizer_between_the_two(data: bytes) -> str | None:
    best = from_bytes(data, cp_isolation=list(CELLS)).best()
    return best.encoding if best else None


def charset_normalizer_free(data: bytes) -> str | None:
    best = from_bytes(data).best()
    return best.encoding if best else None


def main() -> None:
    cases = samples()
    print(f"encoding guess, {len(cases)} texts not in UTF-8 (cp1251 or cp1252)")
    for label, guess in (
        ("pollwatch (letters in Cyrillic-like runs)", guess_single_byte_encoding),
        ("charset-normalizer, told cp1251 or cp1252", charset_normalizer_between_the_two),
        ("charset-normalizer, free to guess", charset_normalizer_free),
    ):
        started = time.perf_counter()
        wrong = [(name, want, got) for name, want, data in cases if (got := guess(data)) != want]
        seconds = time.perf_counter() - started
        print(f"    {label:<44} {len(cases) - len(wrong):>3}/{len(cases)} right  {seconds:5.2f} s")
        for name, want, got in wrong:
            print(f"        wrong: {name}: {want} read as {got}")


if __name__ == "__main__":
    main()
