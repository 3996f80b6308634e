"""Faults a pipeline meets in the wild: killed mid-load, two runs at once, files still being
written, hostile names and sizes, a read-only archive, a full disk. Nothing is lost, nothing is
half-written, every failure says what happened."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pollwatch.config import load_settings
from pollwatch.ingest.run import run_ingest
from pollwatch.publish.report import build_report
from pollwatch.store import open_store
from tests.helpers import ROOT, big_drop, monthly_rows, poll_row, query, settle, write_csv

POLLWATCH = Path(sys.executable).parent / "pollwatch"

RUN_INGEST = textwrap.dedent("""
    import json, sys
    from pollwatch.config import load_settings
    from pollwatch.ingest.run import run_ingest
    from pollwatch.store import StoreError
    settings = load_settings(data_dir=sys.argv[1], settle_seconds=0)
    try:
        run = run_ingest([], settings)
    except StoreError as err:
        print(json.dumps({"error": str(err)}))
        sys.exit(3)
    print(json.dumps(run.as_dict()))
    sys.exit(run.exit_code)
""")


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db)) as con:  # opening read-write also proves it is not damaged
        return con.execute(sql).fetchone()[0]


def test_a_run_killed_at_any_moment_leaves_all_or_nothing_and_the_next_run_loads_it_once(settings):
    path = big_drop(settings.inbox / "big.csv", 80_000)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with open_store(settings).session():  # the schema exists, as it does after any first run
        pass
    outcomes = []
    for delay in (0.5, 1.5, 2.5, 3.5, 4.5):
        runner = subprocess.Popen(
            [sys.executable, "-c", RUN_INGEST, str(settings.data_dir)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(delay)
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        stored = count(settings.db_path, f"SELECT count(*) FROM polls WHERE file_sha256 = '{sha}'")
        logged = count(
            settings.db_path,
            f"SELECT count(*) FROM files WHERE sha256 = '{sha}' AND status = 'loaded'",
        )
        assert (stored, logged) in ((0, 0), (80_000, 1)), (delay, stored, logged)
        outcomes.append(stored)
        if stored:
            break
        assert path.exists(), "a file must stay in the inbox until its rows are committed"
    assert outcomes[0] == 0, "no kill landed before the commit: make the drop bigger"
    run = run_ingest([], settings)
    assert count(settings.db_path, "SELECT count(*) FROM polls") == 80_000
    assert (
        count(
            settings.db_path,
            f"SELECT count(*) FROM files WHERE sha256 = '{sha}' AND status = 'loaded'",
        )
        == 1
    )
    assert not path.exists() and (settings.archive / "big.csv").exists()
    assert run.exit_code == 0


def test_two_ingest_commands_at_once_load_every_file_exactly_once(settings, tmp_path):
    for index in range(8):
        write_csv(
            settings.inbox / f"drop-{index}.csv",
            monthly_rows(400, start=f"{1900 + index * 12}-01", pollster=f"P{index}"),
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home"), "POLLWATCH_LOCK_TIMEOUT_SECONDS": "120"}
    commands = [
        subprocess.Popen(
            [str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [c.communicate(timeout=300) for c in commands]
    assert all(out.startswith("{") for out, _ in outputs), [err[-3000:] for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]

    assert [c.returncode for c in commands] == [0, 0], json.dumps(reports, indent=1)[:6000]
    loaded = sorted(f["path"] for r in reports for f in r["files"] if f["status"] == "loaded")
    assert loaded == sorted(str(settings.inbox / f"drop-{i}.csv") for i in range(8))
    assert count(settings.db_path, "SELECT count(*) FROM polls") == 8 * 400
    assert (
        count(
            settings.db_path,
            "SELECT max(n) FROM (SELECT count(*) AS n FROM files WHERE "
            "status = 'loaded' GROUP BY sha256)",
        )
        == 1
    )
    assert list(settings.inbox.iterdir()) == []


def test_a_file_that_is_still_growing_waits_until_it_stops(settings):
    settings = load_settings(data_dir=settings.data_dir, settle_seconds=1)
    path = settings.inbox / "growing.csv"
    settings.inbox.mkdir()
    rows = monthly_rows(30)
    header = ",".join(rows[0]) + "\n"
    path.write_text(header)
    done = threading.Event()

    def writer():
        for row in rows:
            with path.open("a") as handle:
                handle.write(",".join(row.values()) + "\n")
            time.sleep(0.15)
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    while not done.is_set():
        run = run_ingest([], settings)
        assert run.files == [], "a file was taken while it was still being written"
        assert run.waiting and run.waiting[0][0] == str(path)
        time.sleep(0.2)
    deadline = time.monotonic() + 15
    while not (taken := run_ingest([], settings).files) and time.monotonic() < deadline:
        time.sleep(0.3)
    [result] = taken
    assert (result.status, result.rows_loaded) == ("loaded", 30)


@pytest.mark.parametrize(
    "name",
    [
        "with spaces.csv",
        "пример опроса.csv",
        "line\nbreak.csv",
        "..csv",
        "a..b.csv",
        "-dash.csv",
        "'quote\".csv",
    ],
)
def test_odd_file_names_are_ingested_archived_and_printed_on_one_line(settings, name):
    from pollwatch.ingest.messages import run_text

    path = write_csv(settings.inbox / name, [poll_row(country="XX"), poll_row()])
    run = run_ingest([], settings)
    if name.startswith("."):  # a hidden name, as editors and sync tools use: left alone
        assert run.files == [] and run.ignored[0][1] == "hidden or temporary file name"
        return
    [result] = run.files

    assert result.status == "partial" and result.rows_loaded == 1
    assert (settings.quarantine / name).exists() and not path.exists()
    text = run_text(run)
    assert all(line.startswith(("partial", "    ", "1 file")) for line in text.splitlines())
    assert "more" not in text  # one reject: all of it shown


def test_rejects_past_the_first_five_are_counted_where_they_are_not_shown(settings, caplog):
    """The first five of a file's rejects are printed; a sixth went unsaid but for the totals.
    Past the twenty a file's result keeps, the rest were counted from those: 86 rejects said
    "... and 15 more"."""
    from pollwatch.ingest.messages import run_text

    rows = [poll_row(country="XX", poll_key=f"k{i}") for i in range(7)]
    write_csv(settings.inbox / "seven.csv", [*rows, poll_row()])
    text = run_text(run_ingest([], settings))
    assert text.count("column country") == 5 and "    ... and 2 more" in text

    rows = [poll_row(country="XX", poll_key=f"m{i}") for i in range(30)]
    write_csv(settings.inbox / "thirty.csv", rows)
    caplog.clear()
    with caplog.at_level("WARNING", logger="pollwatch"):
        text = run_text(run_ingest([], settings))
    assert text.count("column country") == 5 and "    ... and 25 more" in text
    # the run's log (what `rebuild` and Prefect's UI show) listed twenty and stopped
    logged = [r.getMessage() for r in caplog.records]
    assert sum("column country" in m for m in logged) == 20
    assert any(m.startswith("... and 10 more: every reason is in ") for m in logged)
    # and its note in the quarantine does not say "the other rows are stored" of none
    note = (settings.quarantine / "thirty.csv.summary.txt").read_text()
    assert "No row of it is stored." in note and "other rows" not in note


def test_the_report_says_why_its_rules_count_more_rows_than_were_rejected(settings):
    """'Rows rejected: 174' over a table of 172 and 6 rows by rule: a row breaking two rules is
    counted under each, which the panel now says, and only then."""
    rows = [poll_row(country="XX", positive_pct=140, poll_key="both"), poll_row(poll_key="ok")]
    write_csv(settings.inbox / "two_rules.csv", rows)
    run_ingest([], settings)
    page = (build_report(settings).pages[0]).read_text()
    assert "Rows rejected: 1<" in page and "counted under each" in page

    with duckdb.connect(str(settings.db_path)) as con:  # the one rule its row broke first
        con.execute("DELETE FROM rejects WHERE rule <> 'iso_3166_alpha2_country'")
    page = (build_report(settings).pages[0]).read_text()
    assert "Rows rejected: 1<" in page and "counted under each" not in page


def test_markup_in_every_text_field_shows_as_text_in_the_report(settings):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    write_csv(
        settings.inbox / "evil.csv",
        [
            poll_row(
                pollster=f"P {evil}",
                leader=f"L {evil}",
                sponsor=evil,
                notes=evil,
                source_url=f"javascript:{evil}",
                poll_key=f"k{evil}",
            ),
            poll_row(
                pollster=f"P {evil}",
                leader=f"L {evil}",
                fieldwork_start="2022-03-01",
                fieldwork_end="2022-03-03",
                published="",
                notes=evil,
            ),
        ],
    )
    (settings.data_dir / "events.csv").write_text(
        f'date,label,countries\n2022-02-20,"{evil.replace(chr(34), chr(39))}",RU\n'
    )
    assert run_ingest([], settings).totals["rows_loaded"] == 2
    report = build_report(settings)
    for page in report.pages:
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert 'onerror="alert' not in html and "javascript:" not in html.split("</header>")[0]
    leader_page = next(p for p in report.pages if p.name.startswith("leader-")).read_text()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in leader_page


def test_a_one_gigabyte_file_is_refused_unread_in_bounded_memory(settings, tmp_path):
    settings.inbox.mkdir()
    huge = settings.inbox / "huge.csv"
    with huge.open("wb") as handle:
        handle.write(b"pollster,country\n")
        handle.truncate(2**30)  # sparse: a gigabyte on paper, nothing on disk
    settle(huge)
    probe = textwrap.dedent("""
        import json, resource, sys
        from pollwatch.config import load_settings
        from pollwatch.ingest.run import run_ingest
        settings = load_settings(data_dir=sys.argv[1], settle_seconds=0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        run = run_ingest([], settings)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps({"file": run.files[0].as_dict(), "grew_mb": peak - before}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", probe, str(settings.data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = json.loads(done.stdout)
    assert found["file"]["status"] == "rejected"
    assert found["file"]["rejects"][0]["rule"] == "too_large"
    assert "1,024 MB, over the 256 MB limit" in found["file"]["message"]
    assert found["grew_mb"] < 150, f"memory grew by {found['grew_mb']} MB"


def test_a_single_ten_megabyte_line_is_rejected_and_the_file_s_other_rows_load(settings):
    """One line of ten megabytes (a cell pasted by mistake) refused the whole file."""
    path = write_csv(settings.inbox / "long.csv", [poll_row(poll_key="a"), poll_row(poll_key="b")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",".join(poll_row(poll_key="c", notes="x" * 10_000_000).values()) + "\n")
    settle(path)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("partial", 2, 1)
    assert result.rejects[0]["line"] == 4 and result.rejects[0]["rule"] == "field_too_long"


@pytest.fixture
def read_only_archive(settings):
    """The archive folder made unwritable, and the words the system uses for it. Root ignores
    permission bits, so as root it is a read-only tmpfs; where mounting is not allowed either, the
    archive path is taken by a plain file, which refuses a move just as firmly."""
    settings.archive.mkdir(parents=True)
    if os.geteuid() != 0:
        settings.archive.chmod(0o555)
        yield "Permission denied"
        settings.archive.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(settings.archive)],
        capture_output=True,
    )
    if mounted.returncode == 0:
        yield "Read-only file system"
        subprocess.run(["umount", str(settings.archive)], check=True)
        return
    settings.archive.rmdir()
    settings.archive.write_text("not a folder")
    yield "File exists"


def test_an_unwritable_archive_keeps_the_file_in_the_inbox_and_says_so(settings, read_only_archive):
    path = write_csv(settings.inbox / "drop.csv", monthly_rows(5))
    run = run_ingest([], settings)
    [result] = run.files
    assert result.rows_loaded == 5 and not result.filed and run.exit_code == 3
    assert "could not move it to" in result.warnings[0]
    assert read_only_archive in result.warnings[0]
    assert path.exists()
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 5


def test_a_full_disk_rolls_the_file_back_keeps_it_in_the_inbox_and_says_so(settings):
    write_csv(settings.inbox / "small.csv", monthly_rows(3))
    run_ingest([], settings)  # a database exists, with something in it
    path = big_drop(settings.inbox / "big.csv", 60_000)
    capped = textwrap.dedent("""
        import resource, runpy, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
        sys.argv = sys.argv[:2]
        exec(sys.argv.pop(0) if False else open(sys.argv[0]).read())
    """)
    script = Path(settings.data_dir.parent / "run_ingest.py")
    script.write_text(RUN_INGEST)
    limit = settings.db_path.stat().st_size + 256 * 1024
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            capped.replace("sys.argv[0]", repr(str(script))),
            str(settings.data_dir),
            str(limit),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    message = json.loads(done.stdout)["error"]
    assert message.startswith(f"could not write {path}'s rows to the database: ")
    assert "nothing of it was stored" in message
    assert path.exists()
    assert count(settings.db_path, "SELECT count(*) FROM polls") == 3
    assert run_ingest([], settings).files[0].rows_loaded == 60_000


def test_a_file_nobody_may_read_stays_in_the_inbox_with_its_reason_and_stops_nothing(settings):
    """Permission bits, as the OS applies them: a root process reads any file, so as root the
    command runs without the capabilities that override them (setpriv), as a service user
    would. The file it may not read is left where it is, said why in every run; the drop beside
    it loads."""
    settings.inbox.mkdir(parents=True)
    good = write_csv(settings.inbox / "good.csv", [poll_row(poll_key="a")], age_seconds=60)
    locked = write_csv(settings.inbox / "locked.csv", [poll_row(poll_key="b")], age_seconds=60)
    locked.chmod(0)
    unprivileged = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    )
    command = [*unprivileged, str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir)]
    for _ in range(2):  # and again: it is still said, and still nothing stops
        done = subprocess.run(
            [*command, "--json"],
            env={**os.environ, "POLLWATCH_SETTLE_SECONDS": "2"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout)
        ignored = {Path(i["path"]).name: i["reason"] for i in summary["ignored"]}
        assert ignored == {"locked.csv": "cannot be read: permission denied"}
    assert not good.exists() and locked.exists()
    assert query(settings, "SELECT poll_key FROM polls")["poll_key"].tolist() == ["a"]
    status = subprocess.run(
        [*unprivileged, str(POLLWATCH), "status", "--data-dir", str(settings.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        f"WARNING   1 thing(s) in the inbox cannot be ingested and stay there: {locked}"
        " (cannot be read: permission denied)"
    ) in status.stdout.splitlines()


def test_fifos_sockets_and_symlink_loops_in_the_inbox_stop_nothing(settings):
    """A FIFO hung the run while it held the database; a socket and a loop of symbolic links each
    ended it with a traceback. Now each is skipped with its reason, and the drop beside them
    loads: the real command, given a minute before it counts as hung."""
    settings.inbox.mkdir(parents=True)
    good = write_csv(settings.inbox / "good.csv", [poll_row(poll_key="a")])
    os.mkfifo(settings.inbox / "pipe.csv")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(settings.inbox / "sock.csv"))
    os.symlink("loop-b.csv", settings.inbox / "loop-a.csv")
    os.symlink("loop-a.csv", settings.inbox / "loop-b.csv")
    for path in settings.inbox.iterdir():
        os.utime(path, (time.time() - 60,) * 2, follow_symlinks=False)
    try:
        done = subprocess.run(
            [str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir), "--json"],
            env={**os.environ, "POLLWATCH_SETTLE_SECONDS": "2"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.close()
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert [f["status"] for f in summary["files"]] == ["loaded"]
    ignored = {Path(i["path"]).name: i["reason"] for i in summary["ignored"]}
    assert ignored == {
        "pipe.csv": "not a file but a named pipe (FIFO): skipped",
        "sock.csv": "not a file but a socket: skipped",
        "loop-a.csv": "symbolic link that leads back to itself (a loop)",
        "loop-b.csv": "symbolic link that leads back to itself (a loop)",
    }
    assert not good.exists()
