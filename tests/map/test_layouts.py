"""Layouts are data: the shipped files are sound, a broken one is refused by name, and adding a
pollster is adding one file."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from pollwatch.ingest.run import run_ingest
from pollwatch.map.layout import LayoutError
from pollwatch.map.layout_choice import choose_layout
from pollwatch.map.layout_files import load_layout, load_layouts
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.header import normalise_header
from tests.helpers import ROOT, query, settle

SHIPPED = [
    "canonical",
    "fom_putin_approval",
    "fte_approval_polllist",
    "fte_approval_polls",
    "leader_polls_compiled",
    "levada_putin_approval",
    "pollsposition_popularity",
    "vtsiom_presidential_approval",
]

RAZUMKOV = """\
    # Razumkov Centre's trust in Zelensky, as its site exports it (semicolons, Ukrainian).
    name = "razumkov_zelensky_trust"
    title = "Razumkov Centre trust in Zelensky"
    by_header = false

    [columns]
    fieldwork_start = "Дата"
    fieldwork_end = "Дата"
    positive_pct = "Довіряю"
    negative_pct = "Не довіряю"

    [constants]
    pollster = "Центр Разумкова"
    leader = "Зеленський"
    country = "UA"
    metric = "trust"
    population = "adults"
    mode = "face_to_face"

    [dates]
    precision = "month"
"""


def test_every_shipped_layout_loads():
    assert list(load_layouts()) == SHIPPED


def write_layout(directory, text: str, name: str = "razumkov_zelensky_trust"):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def razumkov_export(settings, text: str):
    """Razumkov's layout added, and an export of it (as its site writes: cp1251) ingested from
    its folder: the file's result."""
    write_layout(settings.local_layouts, RAZUMKOV)
    drop = settings.inbox / "razumkov_zelensky_trust" / "export.csv"
    drop.parent.mkdir(parents=True)
    drop.write_bytes(text.encode("cp1251"))
    settle(drop)
    [result] = run_ingest([], settings).files
    return result


def test_adding_a_pollster_is_adding_one_file(settings):
    result = razumkov_export(settings, "Дата;Довіряю;Не довіряю\r\nберезень 2024;59,5;35\r\n")
    assert (result.source, result.status, result.rows_loaded) == (
        "razumkov_zelensky_trust",
        "loaded",
        1,
    )
    stored = query(
        settings,
        "SELECT pollster, leader, positive_pct, strftime(fieldwork_start, "
        "'%Y-%m-%d') AS s, strftime(fieldwork_end, '%Y-%m-%d') AS e FROM "
        "polls",
    )
    assert stored.values.tolist() == [
        ["Razumkov Centre", "Volodymyr Zelensky", 59.5, "2024-03-01", "2024-03-31"]
    ]


GALLUP = """\
    name = "gallup_approval"
    by_header = true

    [columns]
    fieldwork_start = "Survey dates"
    positive_pct = "Approve"
    negative_pct = "Disapprove"

    [constants]
    pollster = "Gallup"
    leader = "Donald Trump"
    country = "US"
    metric = "approval"
    population = "adults"
"""


def test_a_date_column_mapped_to_one_end_alone_gives_both(settings):
    """As the README says; such a layout was refused ("fieldwork_end is neither read from a
    column nor a constant"). A period gives its first and last days, a day a one-day poll."""
    write_layout(settings.local_layouts, GALLUP, "gallup_approval")
    drop = settings.inbox / "gallup.csv"
    drop.parent.mkdir(parents=True, exist_ok=True)
    drop.write_text(
        "Survey dates,Approve,Disapprove\n"
        "2017 Jan 30-Feb 5,42,53\n2024 Dec 16-Jan 5,45,50\n2017-03-01,40,55\n"
    )
    settle(drop)
    [result] = run_ingest([], settings).files
    assert (result.source, result.status, result.rows_loaded) == ("gallup_approval", "loaded", 3)
    stored = query(
        settings,
        "SELECT strftime(fieldwork_start, '%Y-%m-%d') AS s, strftime(fieldwork_end, '%Y-%m-%d')"
        " AS e FROM polls ORDER BY s",
    )
    assert stored.values.tolist() == [
        ["2017-01-30", "2017-02-05"],
        ["2017-03-01", "2017-03-01"],
        ["2024-12-16", "2025-01-05"],
    ]


def test_a_stored_series_file_dropped_again_outside_its_folder_is_a_duplicate(settings):
    """Its bytes are stored: it was quarantined as a file no layout fits, and `status` went on
    counting it as refused."""
    text = "Дата;Довіряю;Не довіряю\r\nберезень 2024;59,5;35\r\n"
    assert razumkov_export(settings, text).status == "loaded"
    again = settings.inbox / "again.csv"
    again.write_bytes(text.encode("cp1251"))
    settle(again)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded) == ("duplicate", 0)
    assert "already ingested" in result.message and not again.exists()
    assert not list(settings.quarantine.rglob("*.csv"))


def test_a_header_cell_wrapped_over_two_lines_is_the_column_of_its_words(settings):
    """Excel's wrapped header text ("Не" and "довіряю" on two lines of one cell) never
    matched the layout's "Не довіряю"; case and runs of spaces already did not count."""
    result = razumkov_export(settings, 'Дата;Довіряю;"Не\r\nДОВІРЯЮ "\r\nберезень 2024;59,5;35\r\n')
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert query(settings, "SELECT negative_pct FROM polls")["negative_pct"].tolist() == [35.0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("by_header = false", "by_header = false\nsheet = 2"), "unknown key(s) sheet"),
        (('name = "razumkov_zelensky_trust"', 'name = "razumkov"'), "must equal the file name"),
        (
            ('positive_pct = "Довіряю"', 'positive_share = "Довіряю"'),
            "[columns] names positive_share, not canonical columns",
        ),
        (
            ('mode = "face_to_face"', 'mode = "carrier pigeon"'),
            "mode value(s) carrier pigeon are not among phone, online",
        ),
        (
            ('precision = "month"', 'precision = "fortnight"'),
            "precision = 'fortnight' is not one of day, month, week_ending",
        ),
        (('metric = "trust"', ""), "metric is neither read from a column nor a constant"),
        (
            ('pollster = "Центр Разумкова"', 'pollster = "Центр Разумкова"\nleader = "x"'),
            "not valid TOML",
        ),
        (("[dates]", "[rows]\nkeep_only = 1\n\n[dates]"), "[rows] has unknown key(s) keep_only"),
        (
            ("[dates]", "[rows]\nkeep = { wave = 2.5 }\n\n[dates]"),
            "[rows.keep] wave must be a text, a whole number or a list of them",
        ),
        (
            ("[dates]", '[rows]\nkeep = "All polls"\n\n[dates]'),
            "[rows] keep must be a table of column = value(s), as keep = {",
        ),
        (
            ("[dates]", "[rows]\nkeep = { wave = [] }\n\n[dates]"),
            "[rows.keep] wave lists no value: it would keep no row",
        ),
        (
            ("[dates]", '[rows]\nkeep = { wave = ["1", "2"] }\ndrop = { Wave = " 2" }\n\n[dates]'),
            "[rows] both keeps and drops wave = 2",
        ),
        (("by_header = false", "by_header = false\nrows = 3"), "rows must be a table"),
        (
            ("[dates]", '[rows]\nkeep = { wave = "1", WAVE = "2" }\n\n[dates]'),
            "[rows.keep] names wave twice (case and spaces do not count)",
        ),
        (
            ("[dates]", '[poll_key]\ncolums = ["Дата"]\n\n[dates]'),
            "[poll_key] has unknown key(s) colums (known: prefix, columns)",
        ),
        (
            ("[dates]", '[poll_key]\ncolumns = "Дата"\n\n[dates]'),  # split into letters
            '[poll_key] columns must be a list of column names, as columns = ["poll_id"]',
        ),
        (
            ("[dates]", '[poll_key]\ncolumns = ["Дата", 5]\n\n[dates]'),  # a traceback
            "[poll_key] columns must be a list of column names",
        ),
        (
            ("[dates]", '[rows]\nskip_without_shares = "false"\n\n[dates]'),  # read as true
            "[rows] skip_without_shares must be true or false",
        ),
        (
            ("[dates]", '[shares]\nproportions = "yes"\n\n[dates]'),
            "[shares] proportions must be true or false",
        ),
        (
            ("[dates]", "[shares]\nscale = 100\n\n[dates]"),
            "[shares] has unknown key(s) scale (known: proportions)",
        ),
        (
            ("[dates]", '[values]\ncountry = "UA"\n\n[dates]'),
            "[values] country must be a table: [values.country], then as written = value",
        ),
        (
            ("[dates]", '[[leader_by_date]]\nleader = "x"\nfrom = "2024-13-01"\n\n[dates]'),
            "[[leader_by_date]] from = '2024-13-01' is not a date (YYYY-MM-DD)",
        ),
        (  # a typo in a date gave a predecessor's last polls to the successor, without a word
            (
                "[dates]",
                '[[leader_by_date]]\nleader = "Bob Hawke"\nfrom = "1983-03-11"\n'
                'until = "1991-12-19"\n[[leader_by_date]]\nleader = "Paul Keating"\n'
                'from = "1991-11-01"\n\n[dates]',
            ),
            "[[leader_by_date]] terms overlap: Bob Hawke's runs until 1991-12-19 and Paul"
            " Keating's begins 1991-11-01",
        ),
        (  # every week of Medvedev's term was stored as Putin's
            (
                "[dates]",
                '[[leader_by_date]]\nleader = "Dmitry Medvedev"\nfrom = "2008-05-07"\n'
                'until = "2002-05-06"\n\n[dates]',
            ),
            "[[leader_by_date]] Dmitry Medvedev's term ends (2002-05-06) before it begins"
            " (2008-05-07)",
        ),
        (
            (
                "[dates]",
                '[[leader_by_date]]\nleader = "A"\nfrom = "2008-05-07"\n'
                '[[leader_by_date]]\nleader = "B"\nfrom = "2008-05-07"\n\n[dates]',
            ),
            "[[leader_by_date]] A's and B's terms both begin 2008-05-07: which holds the office",
        ),
        # Each of these was a traceback, or was accepted and then refused every row of every
        # file, or made a layout that could never fit one.
        (
            ('positive_pct = "Довіряю"', "positive_pct = 5"),  # a traceback
            "[columns] positive_pct = 5 must be a column name, or a list of them",
        ),
        (
            ('positive_pct = "Довіряю"', 'positive_pct = "Довіряю"\nnotes = []'),
            "[columns] notes = [] names no column: no file could have it",
        ),
        (
            ('precision = "month"', 'formats = "%Y-%m-%d"'),  # every row not_a_date
            '[dates] formats must be a list of strptime formats, as formats = ["%m/%d/%Y"]',
        ),
        (
            ('precision = "month"', 'formats = ["%m.%Y", "%d/%Q"]'),  # every row not_a_date
            "[dates] formats: '%d/%Q' has %Q, not a strptime directive (%d day, %m month,",
        ),
        (
            ('precision = "month"', 'format = ["%m.%Y"]'),  # quietly not used
            "[dates] has unknown key(s) format (known: formats, day_first, precision,",
        ),
        (
            ("[dates]", '[as_written]\nsponsor = "sponsor_as_written"\n\n[dates]'),
            "[as_written] names sponsor: only pollster and leader are kept as written",
        ),
        (
            ("[dates]", '[as_written]\npollster = ""\n\n[dates]'),
            "[as_written] pollster = '' must name the column giving its spelling",
        ),
        (
            ('precision = "month"', "published_precision_column = true"),  # a traceback
            "[dates] published_precision_column = True must name the column saying whether each",
        ),
        (
            ('country = "UA"', 'country = "XX"'),  # every row iso_3166_alpha2_country
            "country value(s) XX are not ISO 3166-1 alpha-2 codes (RU, UA, US)",
        ),
        (("by_header = false", 'by_header = "no"'), "by_header must be true or false"),  # true
        (
            ("[dates]", '[rows]\nkeep = { "" = "x" }\n\n[dates]'),  # never fits
            "[rows.keep] names an empty column: no file could have it",
        ),
        (
            ("by_header = false", 'by_header = false\noptional = "negative_pct"'),
            'optional must be a list of fields, as optional = ["sample_size"]',  # "names n, e, …"
        ),
        (
            ("[dates]", '[answers]\ncolumn = "a"\nshare = "p"\npositive = "Yes"\n\n[dates]'),
            "[answers] positive_pct read from [columns] and from [answers]: name it in one only",
        ),
        (
            (
                "[dates]",
                '[answers]\ncolumn = "a"\nshare = "p"\npositive = "Yes"\n'
                'negative = ["no", "YES"]\n\n[dates]',
            ),  # fmt: skip
            "[answers] 'YES' is both a positive and a negative answer",
        ),
        (
            ("[dates]", '[answers]\ncolumn = "a"\nnegative = "No"\n\n[dates]'),
            "[answers] needs share = the name of the column giving each row's share of that",
        ),
        (
            ("by_header = false", "by_header = false\nignore = [5]"),  # a traceback
            'ignore must be a list of columns, as ignore = ["source"]',
        ),
        (
            ("by_header = false", 'by_header = false\nignore = ["", "x"]'),  # pandas' index
            "ignore = ['', 'x'] names an empty column: a column with no name in the header is"
            " read as unnamed_ and its place, counting from 1 (unnamed_1 first)",  # "a list"
        ),
        (
            ('metric = "trust"', "metric = 5"),  # a traceback
            "metric value(s) 5 are not among approval, trust",
        ),
        (
            ("[dates]", "[values.mode]\ndoor = 5\n\n[dates]"),  # a traceback
            "mode value(s) 5 are not among",
        ),
        (
            ("[dates]", '[values.mode]\ndoor = ["face_to_face"]\n\n[dates]'),
            "[values.mode] 'door' = ['face_to_face'] must be one value",
        ),
    ],
)
def test_a_broken_layout_file_is_refused_naming_file_and_key(tmp_path, change, message):
    path = write_layout(tmp_path, RAZUMKOV.replace(*change))
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_a_layout_s_categories_are_read_as_a_file_s_cells_are(settings):
    """`population = "Adults 18+"` or `mode = "door to door"` in a layout were refused (exit 2,
    no layout listed), though a file's cell saying so is read as adults and face to face."""
    text = RAZUMKOV.replace('population = "adults"', 'population = "Adults 18+"').replace(
        'mode = "face_to_face"', 'mode = "door to door"'
    )
    write_layout(settings.local_layouts, text)
    drop = settings.inbox / "razumkov_zelensky_trust" / "export.csv"
    drop.parent.mkdir(parents=True)
    drop.write_bytes("Дата;Довіряю;Не довіряю\r\nберезень 2024;59,5;35\r\n".encode("cp1251"))
    settle(drop)
    assert run_ingest([], settings).files[0].status == "loaded"
    stored = query(settings, "SELECT population, mode FROM polls")
    assert stored.values.tolist() == [["adults", "face_to_face"]]


def test_a_layout_may_spell_a_value_as_a_number_or_true_or_false(tmp_path):
    """`"Y" = true` for a tracking column loaded before layout files were checked for values of
    the wrong kind, and was then refused (exit 2, and no file of that data directory read)."""
    text = RAZUMKOV.replace(
        'negative_pct = "Не довіряю"', 'negative_pct = "Не довіряю"\n    tracking = "Щодня"'
    ).replace("[dates]", '[values.tracking]\n    "Так" = true\n    "Ні" = false\n\n    [dates]')
    layout = load_layout(write_layout(tmp_path, text))
    assert layout.columns["tracking"] == ("щодня",)  # headers are matched lower-cased


POLLLIST = [
    "president",
    "subgroup",
    "modeldate",
    "startdate",
    "enddate",
    "pollster",
    "grade",
    "samplesize",
    "population",
    "weight",
    "influence",
    "approve",
    "disapprove",
    "adjusted_approve",
    "adjusted_disapprove",
    "multiversions",
    "tracking",
    "url",
    "poll_id",
    "question_id",
    "createddate",
    "timestamp",
]


def test_the_closest_layout_is_the_one_sharing_most_columns():
    """538's poll list without the layout made for it: 538's raw-poll layout shares six of its
    columns; a series layout that lacks only `date` shares none and is not closer."""
    layouts = {n: x for n, x in load_layouts().items() if n != "fte_approval_polllist"}
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(POLLLIST, layouts)
    assert (
        "the closest is fte_approval_polls (shares pollster, population, tracking, url, poll_id,"
        " question_id; needs politician, methodology"
    ) in refused.value.reason


def test_columns_a_layout_ignores_do_not_bring_a_header_closer_to_it(settings):
    """A canonical file that kept some of 538's rating columns lacks only fieldwork_end; 538's
    raw-poll layout ignores those columns (and reads one it shares, pollster), so it is not the
    closest: it was, for sharing seven columns it throws away."""
    header = "pollster,country,leader,metric,fieldwork_start,positive_pct,fte_grade,"
    header += "pollster_rating_id,pollster_rating_name,display_name,partisan,internal"
    drop = settings.inbox / "ratings_kept.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(f"{header}\nIpsos,US,Joe Biden,approval,2023-01-05,41,A,154,Ipsos,Ipsos,,\n")
    settle(drop)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    assert (
        "the closest is canonical (shares pollster, country, leader, metric, fieldwork_start,"
        " positive_pct; needs fieldwork_end);"
    ) in result.message


def test_a_missing_unnamed_column_is_told_as_a_column_with_no_name():
    """pollsposition's table saved with its date column named `date` was told "needs
    unnamed_1": a name in no file, so its user could not tell what to change."""
    header = ["date", "president", "sondage", "samplesize", "method", "approve_pr"]
    with pytest.raises(UnreadableFile) as refused:
        choose_layout([*header, "disapprove_pr"], load_layouts())
    assert (
        "the closest is pollsposition_popularity (shares president, sondage, samplesize,"
        " method, approve_pr, disapprove_pr; needs unnamed_1 (the 1st column, its name left"
        " empty in the header))"
    ) in refused.value.reason


@pytest.mark.parametrize(
    "header",
    [
        ["datum", "zustimmung", "ablehnung"],  # no column shared
        ["date", "president", "institut", "approuve"],  # `date`, with five layouts
        ["date", "personne", "favorable", "defavorable"],  # Ipsos' barometer
        ["unnamed_1", "pollstartdate", "pollenddate", "satisfied"],  # Newspoll, with an index
    ],
)
def test_a_header_sharing_at_most_one_column_is_pointed_nowhere(header):
    """A German file shares no column with any layout: "the closest is X, which shares 0
    columns" sent its user to X. A French file with renamed columns shares one with five
    layouts: naming one (VTsIOM's, for `date`) sent it to Russia's series, and naming all five
    did no better (Ipsos' barometer was sent to Russia's three series, Newspoll's to
    pollsposition's for a spreadsheet's index column). A file naming whose polls its rows are
    (`institut`, `personne`) is not told to go in a series' folder."""
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts())
    reason = refused.value.reason
    assert "and none shares more than one of its columns" in reason  # "fits ... or shares"
    assert "closest" not in reason and "come as close" not in reason
    whose = header[1] in ("president", "personne")
    assert ("a series without pollster or leader columns" in reason) is not whose


def test_a_tie_names_every_layout_in_it():
    """Naming one layout of several sharing as many columns sent a file to one of them."""
    header = ["date", "approve", "disapprove", "president", "institut"]
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts())
    reason = refused.value.reason
    assert "come as close, sharing 3 columns each:" in reason, reason
    for name in ("vtsiom_presidential_approval (shares date", "fom_putin_approval (shares"):
        assert name in reason


def test_a_folder_layout_refuses_a_header_naming_other_leaders_or_pollsters():
    """Gallup's approval of every president, dropped in VTsIOM's folder, was stored as 397
    VTsIOM polls of Putin and Medvedev: its `president` column was ignored with a warning. A
    layout that lists the column under `ignore` takes it knowingly."""
    header = ["president", "date", "approve", "disapprove", "unsure/no data"]
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts(), named="vtsiom_presidential_approval")
    assert refused.value.rule == "layout_ignores_whose_columns"
    assert refused.value.reason.startswith(
        "layout vtsiom_presidential_approval would ignore president, which says whose polls"
    )
    assert choose_layout(header[1:], load_layouts(), named="vtsiom_presidential_approval")


@pytest.mark.parametrize(
    "whose",
    [
        ["pollster_name", "leader_name"],
        ["firm", "politician name"],
        ["encuestadora"],
        ["Poll source"],
        ["PollsterName"],
        ["Umfrageinstitut", "Politiker"],
        ["Conducted by", "Presidente"],
        ["Pollster ID", "Candidato"],
        ["Polling firm/Link", "Leaders"],
        ["Компания", "Президент"],
        ["Personne"],  # Ipsos' barometer: each row one politician
        ["Persona"],
    ],
)
def test_columns_no_layout_knows_that_name_whose_polls_keep_a_file_out_of_a_series_folder(whose):
    """A file of Ipsos polls of Biden with `pollster_name` and `leader_name` columns was told
    it had every column of VTsIOM's series and to put it in that folder, where its rows were
    stored as VTsIOM's polls of Putin: only the spellings layouts read were known as naming
    whose polls a row gives."""
    whose = [normalise_header(name) for name in whose]
    header = ["date", "approve", "disapprove", "sample", *whose]
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts())
    assert "inbox/vtsiom_presidential_approval/" not in refused.value.reason
    assert f"would ignore {', '.join(whose)}" in refused.value.reason
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts(), named="vtsiom_presidential_approval")
    assert refused.value.rule == "layout_ignores_whose_columns"


@pytest.mark.parametrize(
    "extra",
    [
        "Prime_minister_approve",
        "Party_rating",
        "President_trust",
        "Sponsor",
        "Sponsor name",
        "Company_url",
        "Survey name",
        "Person_count",
        "Fieldwork dates",
        "Personnes interrogées",  # respondents counted, in French and Spanish
        "Nombre de personnes",
        "Personas encuestadas",
    ],
)
def test_a_series_file_with_a_column_about_a_measure_still_reads_in_its_folder(extra):
    """A column about another measure, or of a poll's sponsor, says nothing of whose polls the
    rows give: read as naming pollsters or leaders, such files were refused from the folder of
    the series they are."""
    header = ["date", "approve", "disapprove", normalise_header(extra)]
    assert choose_layout(header, load_layouts(), named="vtsiom_presidential_approval")


def test_a_row_filter_of_one_whole_number_is_a_filter(tmp_path):
    """`keep = { Wave = 1 }` raised "TypeError: 'int' object is not iterable", with a traceback,
    from `pollwatch layouts` and `ingest` alike; `[1, 3]` was read."""
    path = tmp_path / "waves.toml"
    for wanted, kept in (("1", {"1"}), ("[1, 3]", {"1", "3"}), ('"x"', {"x"})):
        path.write_text(
            'name = "waves"\n[columns]\npositive_pct = "p"\nfieldwork_start = "d"\n'
            '[constants]\npollster = "P"\nleader = "L"\ncountry = "US"\nmetric = "approval"\n'
            f"[rows]\nkeep = {{ Wave = {wanted} }}\n",
            encoding="utf-8",
        )
        assert load_layout(path).keep_rows == {"wave": frozenset(kept)}


@pytest.mark.parametrize(
    "header",
    [
        ["president", "subgroup", "modeldate", "approve_estimate", "approve_hi", "approve_lo"],
        ["politician", "date", "answer", "pct_estimate", "lo", "hi"],
        ["modeldate", "approve", "disapprove"],
    ],
    ids=["538's topline", "538's long topline", "a copy of it"],
)
def test_an_average_is_told_it_is_not_polls(header):
    """538's published averages were refused with "the closest is fte_approval_polllist" or
    sent to a series' folder: one renamed column from storing an average as polls."""
    with pytest.raises(UnreadableFile) as refused:
        choose_layout(header, load_layouts())
    reason = refused.value.reason
    assert "an average's column" in reason and "not a poll's" in reason
    assert "closest" not in reason and "folder" not in reason


def test_a_series_dropped_outside_its_layouts_folder_is_told_which_folders_fit(settings):
    """Levada's own series file (Date, Approve, ...: no pollster, no leader) has every column of
    the levada layout and of the VTsIOM one, which read only from their folders: the reason
    names both with their titles, rather than a closest layout that "needs" nothing, and the
    file is kept. A bare date,approve,disapprove fits VTsIOM's layout alone, but it may be
    anyone's series: no folder is chosen for it, since a wrong one would file its polls under
    another publisher's name."""
    real = ROOT / "tests" / "fixtures" / "real" / "valchyshen_levada_putin_approval_1999-2024.csv"
    drop = settings.inbox / real.name
    drop.parent.mkdir(parents=True)
    shutil.copy(real, drop)
    settle(drop)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    assert result.message == (
        "this header (date, approve, disapprove, no_answer, putin_index) has every column of"
        " levada_putin_approval (Levada Center monthly Putin approval series) and"
        " vtsiom_presidential_approval (VTsIOM weekly presidential approval series), read only"
        " from their own folder, since a series without pollster or leader columns takes them"
        " from it: if the file is one of these series, put it in that one's folder"
        " (inbox/<layout>/, or name it: pollwatch ingest --layout <layout> FILE); another"
        " publisher's series needs a layout of its own (layouts/ in the data directory)"
    )
    assert (settings.quarantine / real.name).read_bytes() == real.read_bytes()

    bare = settings.inbox / "approval.csv"
    bare.write_text("date,approve,disapprove\n2024-05-01,80,15\n")
    settle(bare)
    [result] = run_ingest([], settings).files
    assert result.message.endswith(
        "has every column of vtsiom_presidential_approval (VTsIOM weekly presidential approval"
        " series), read only from its own folder, since a series without pollster or leader"
        " columns takes them from it: if the file is that series, put it in"
        " inbox/vtsiom_presidential_approval/ (or name its layout: pollwatch ingest --layout"
        " vtsiom_presidential_approval FILE); another publisher's series needs a layout of its"
        " own (layouts/ in the data directory)"
    )


@pytest.mark.parametrize(
    ("header", "closest"),
    [
        (  # YouGov/Economist's table
            "date,pollster,sample,population,approve,disapprove,net,url",
            "the closest is fte_approval_polllist (shares pollster, population, approve,"
            " disapprove, url; needs president, startdate, enddate, poll_id (from [poll_key]"
            " columns), question_id (from [poll_key] columns), subgroup (from [rows] keep));",
        ),
        (  # RealClearPolitics' table: `Poll` is the pollster
            "poll,date,sample,moe,approve,disapprove,spread",
            "vtsiom_presidential_approval (shares date, approve, disapprove; would ignore poll),",
        ),
        (  # Morning Consult's leader tracker
            "date,country,leader,approve,disapprove,dont_know",
            "vtsiom_presidential_approval (shares date, approve, disapprove; would ignore"
            " country, leader),",
        ),
        (  # 538's poll list with its start date renamed
            ",".join(["date" if c == "startdate" else c for c in POLLLIST]),
            "the closest is fte_approval_polllist (shares president, subgroup, enddate,"
            " pollster, samplesize, population, approve, disapprove, tracking, url, poll_id,"
            " question_id, createddate; needs startdate);",
        ),
    ],
)
def test_a_poll_table_with_date_and_shares_is_not_sent_to_a_series_folder(
    settings, header, closest
):
    """Any header with date, approve and disapprove has every column of VTsIOM's series, read
    only from its folder: a YouGov table with its pollster column was told to go there, and
    stored there as VTsIOM's poll of Putin. A table naming whose poll each row is gets the
    closest layouts instead, and those that would drop the column say so."""
    drop = settings.inbox / "table.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(f"{header}\n" + ",".join("1" for _ in header.split(",")) + "\n")
    settle(drop)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rejects[0]["rule"]) == ("rejected", "unknown_layout")
    assert "inbox/vtsiom_presidential_approval/" not in result.message
    assert closest in result.message
    assert "a series without pollster or leader columns" not in result.message  # it has one


def own_layout_reason(settings, name: str, top: str, constants: str, rest: str, text: str) -> str:
    """Why a file of `text` is refused beside a layout of one's own, `name`, reading a date and
    two shares (`top`: its first keys; `constants`: its pollster, leader, country and metric;
    `rest`: its last table)."""
    write_layout(
        settings.local_layouts,
        f"""\
        name = "{name}"
        {top}

        [columns]
        fieldwork_start = "date"
        fieldwork_end = "date"
        positive_pct = "approve"
        negative_pct = "disapprove"

        [constants]
        {constants}

        {rest}
        """,
        name=name,
    )
    drop = settings.inbox / "drop.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(text)
    settle(drop)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    return result.message


def test_a_header_short_only_of_a_row_filters_column_is_told_so(settings):
    """A layout of one's own, recognised by its header, keeping only one subgroup's rows: a file
    without the subgroup column has every other column of it, and of VTsIOM's series too. It
    was told to go in VTsIOM's folder; it is told the column its own layout needs, and why."""
    reason = own_layout_reason(
        settings,
        "mc_putin",
        "by_header = true",
        'pollster = "Morning Consult"\n        leader = "Vladimir Putin"\n        country = "RU"'
        '\n        metric = "approval"',
        '[rows]\n        keep = { subgroup = "All adults" }',
        "date,approve,disapprove\n2024-05-01,80,15\n",
    )
    assert reason == (
        "no known layout fits this header (date, approve, disapprove): mc_putin needs column"
        " subgroup (from [rows] keep); it has every other column that layout reads"
    )


def test_a_folder_layout_short_of_its_key_column_does_not_take_a_series_from_its_folder(settings):
    """A layout of one's own read only from its folder, keyed on a wave column: Levada's series,
    dropped outside any folder, was told that layout needed `wave` rather than which folder to
    go in, though that layout is never chosen by a header."""
    reason = own_layout_reason(
        settings,
        "kiis_trust",
        "by_header = false",
        'pollster = "KIIS"\n        leader = "Volodymyr Zelensky"\n        country = "UA"'
        '\n        metric = "trust"',
        '[poll_key]\n        columns = ["wave"]',
        "date,approve,disapprove,no_answer\n2024-05-01,80,15,5\n",
    )
    assert "has every column of levada_putin_approval" in reason and "wave" not in reason


def test_a_local_layout_may_not_reuse_a_shipped_name(tmp_path):
    write_layout(
        tmp_path, RAZUMKOV.replace("razumkov_zelensky_trust", "canonical"), name="canonical"
    )
    with pytest.raises(LayoutError, match="a layout named 'canonical' already exists"):
        load_layouts(tmp_path)


def test_a_header_two_layouts_fit_is_quarantined_naming_both(settings):
    for name in ("razumkov_a", "razumkov_b"):
        write_layout(
            settings.local_layouts,
            RAZUMKOV.replace("razumkov_zelensky_trust", name).replace(
                "by_header = false", "by_header = true"
            ),
            name=name,
        )
    drop = settings.inbox / "export.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text("Дата;Довіряю;Не довіряю\nберезень 2024;59,5;35\n", encoding="utf-8")
    settle(drop)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    assert result.rejects[0]["rule"] == "ambiguous_layout"
    assert result.message.startswith(
        "the header fits more than one layout (razumkov_a, "
        "razumkov_b); put the file in the folder of the right one"
    )


def test_a_layout_saved_by_a_windows_editor_loads_or_is_refused_by_name(tmp_path):
    """Notepad saves UTF-8 with a byte-order mark, or "ANSI" (cp1252): a BOM made the layout
    'not valid TOML ... at line 1, column 1', and a cp1252 layout (a French column name,
    "Mécontents") stopped every command with a UnicodeDecodeError traceback."""
    text = textwrap.dedent(RAZUMKOV).replace("Не довіряю", "Mécontents")
    bom = tmp_path / "bom" / "razumkov_zelensky_trust.toml"
    bom.parent.mkdir()
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_layout(bom).columns["negative_pct"] == ("mécontents",)

    ansi = tmp_path / "ansi" / "razumkov_zelensky_trust.toml"
    ansi.parent.mkdir()
    ansi.write_bytes(
        text.replace("Дата", "Date")
        .replace("Довіряю", "Satisfaits")
        .replace("Центр Разумкова", "Ifop")
        .replace("Зеленський", "Macron")
        .encode("cp1252")
    )
    with pytest.raises(LayoutError) as caught:
        load_layout(ansi)
    assert str(caught.value).startswith(f"{ansi}: not UTF-8 text")
    assert "line 10" in str(caught.value)
    assert "save it as UTF-8" in str(caught.value)


def test_a_header_read_as_one_column_with_spaces_in_it_is_told_it_looks_aligned_with_spaces():
    """Jiji Press's table is aligned with spaces: named with its layout it was told it needed
    "date1, date2, app_rate" where "the header has: date1 date2 app_rate", the same words."""
    header = ["date1 date2 app_rate nap_rate n_resp"]
    for named in (None, "vtsiom_presidential_approval"):
        with pytest.raises(UnreadableFile) as refused:
            choose_layout(header, load_layouts(), named=named)
        assert refused.value.rule == "one_column_header"
        assert "the file looks aligned with spaces" in refused.value.reason
