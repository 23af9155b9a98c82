#!/usr/bin/env python3
"""S7 — fuzz the invoice parsers: detect + parse + mapping on mutated bytes.

    .venv/bin/python fuzz/fuzz_formats.py [seconds]        (make fuzz FUZZ_SECONDS=60)

With atheris (libFuzzer, coverage-guided) when it is installed; otherwise a plain random-mutation
loop over the same target and seeds (say so in the output). Seeds: every sample invoice in
CHORUS_FUZZ_SEEDS (default tests/fixtures/samples) plus a few built-in ones. The only exception the
target may raise is the declared `FormatError` (a ChorusError): anything else is a crash, and
the input is written to var/fuzz/crash-* for replay (`fuzz_formats.py --replay FILE`).
"""

import os
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.test")

import django  # noqa: E402

django.setup()

try:
    import atheris
except ImportError:  # pragma: no cover - depends on the machine
    atheris = None

if atheris is not None:
    with atheris.instrument_imports(include=["invoices.formats"]):
        from invoices.formats import detect, mapping
        from invoices.formats.parse import FormatError
else:
    from invoices.formats import detect, mapping
    from invoices.formats.parse import FormatError

SEEDS_DIR = Path(os.environ.get("CHORUS_FUZZ_SEEDS", ROOT / "tests" / "fixtures" / "samples"))
WORK_DIR = ROOT / "var" / "fuzz"
MAX_LEN = 256 * 1024
BUILTIN_SEEDS = [
    b"<?xml version='1.0'?>"
    b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
    b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:"
    b"CrossIndustryInvoice:100'/>",
    b"%PDF-1.7\n",
]


def target(data: bytes) -> None:
    """One input through detection, parsing and mapping; FormatError is the declared refusal."""
    try:
        document = detect.read_document(data, "fuzz.xml")
    except FormatError:
        return
    mapping.extract(document)


def seeds() -> list[bytes]:
    found = list(BUILTIN_SEEDS)
    if SEEDS_DIR.is_dir():
        for path in sorted(SEEDS_DIR.rglob("*")):
            if path.is_file() and path.suffix.lower() in {".xml", ".pdf"}:
                found.append(path.read_bytes()[:MAX_LEN])
    return found


def _save_crash(data: bytes) -> Path:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path = WORK_DIR / f"crash-{int(time.time() * 1000)}"
    path.write_bytes(data)
    return path


def _mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a byte
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:  # insert random bytes
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 2 and buf:  # delete a slice
            del buf[pos : pos + rng.randint(1, 64)]
        elif op == 3:  # insert interesting XML/PDF tokens
            token = rng.choice(
                [b"<", b">", b"</", b"&amp;", b"<!DOCTYPE x>", b"]]>", b"\x00", b"-1",
                 b"99999999999999999999", b"1e309", b"NaN", b"obj", b"endstream", b"/Length 0",
                 b"2024-13-45", b"\xff\xfe"]
            )  # fmt: skip
            buf[pos:pos] = token
        elif op == 4 and buf:  # duplicate a slice
            start = rng.randrange(len(buf))
            buf[pos:pos] = buf[start : start + rng.randint(1, 256)]
        else:  # splice with another seed
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            buf = buf[:pos] + bytearray(other[cut:])
    return bytes(buf[:MAX_LEN])


def random_loop(seconds: float) -> int:
    pool = seeds()
    rng = random.Random(int(os.environ.get("CHORUS_FUZZ_SEED", "0")) or None)  # noqa: S311
    deadline = time.monotonic() + seconds
    runs = 0
    print(f"fuzz: atheris absent, boucle de mutations aléatoires ({len(pool)} graines, {seconds}s)")
    while time.monotonic() < deadline:
        data = _mutate(rng, rng.choice(pool), pool)
        try:
            target(data)
        except Exception:
            path = _save_crash(data)
            traceback.print_exc()
            print(f"fuzz: PLANTAGE après {runs} essais, entrée gardée dans {path}")
            return 1
        runs += 1
    print(f"fuzz: {runs} essais, aucun plantage")
    return 0


def atheris_run(seconds: int) -> int:
    corpus = WORK_DIR / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds()):
        (corpus / f"seed-{index:03d}").write_bytes(seed)
    args = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-max_len={MAX_LEN}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={WORK_DIR}/",
        "-print_final_stats=1",
    ]
    print(f"fuzz: atheris {seconds}s, corpus {corpus}")
    atheris.Setup(args, target)
    atheris.Fuzz()  # exits the process: 0 when the time is up, non-zero on a crash
    return 0


def main(argv: list[str]) -> int:
    if len(argv) > 2 and argv[1] == "--replay":
        target(Path(argv[2]).read_bytes())
        print("fuzz: rejoué sans plantage")
        return 0
    seconds = int(argv[1]) if len(argv) > 1 else int(os.environ.get("FUZZ_SECONDS", "60"))
    if atheris is not None and os.environ.get("CHORUS_FUZZ_ENGINE") != "random":
        return atheris_run(seconds)
    return random_loop(seconds)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
