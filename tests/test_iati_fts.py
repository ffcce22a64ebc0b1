"""IATI activity XML and OCHA FTS flow pages: the shared real files, ours, and broken ones."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from ingest import fts, iati, ledger
from ingest.errors import InputError
from tests.conftest import SAMPLE_INBOX, shared_path


@pytest.fixture
def con():
    connection = duckdb.connect()
    ledger.ensure_tables(connection)
    yield connection
    connection.close()


def test_real_iati_files_keep_transactions_budgets_and_splits(con):
    totals = {}
    for name in (
        "dportal_7.xml",
        "dportal_76.xml",
        "dportal_dflat_activities.xml",
        "iati_activity_standard_example_annotated.xml",
    ):
        totals[name] = iati.load(con, shared_path("real-data", "iati", name), 1, name, "b")
    assert totals["dportal_7.xml"] == (100, 100, 0)
    assert totals["iati_activity_standard_example_annotated.xml"] == (1, 1, 0)
    [(transactions, negative, xdr)] = con.execute("""
        SELECT count(*), count(*) FILTER (value < 0), count(*) FILTER (currency = 'XDR') FROM raw.iati_transactions""").fetchall()
    assert transactions == 2123 and negative > 0 and xdr > 0
    # Mali among several countries, with its percentage.
    assert con.execute("""SELECT percentage FROM raw.iati_recipient_countries
                          WHERE iati_identifier = 'CA-3-D001692001' AND country_code = 'ML'""").fetchall() == [(28.1,)]
    # DAC 12240 basic nutrition appears with a vocabulary.
    assert (
        con.execute(
            "SELECT count(*) FROM raw.iati_sectors WHERE sector_code = '12240' AND sector_vocabulary = '1'"
        ).fetchall()[0][0]
        > 0
    )


def test_our_iati_file_budgets_roles_and_contact_info_never_read(con):
    path = SAMPLE_INBOX / "iati" / "activites_mali_exemple.xml"
    assert iati.load(con, path, 1, path.name, "b") == (2, 2, 0)
    assert con.execute("SELECT budget_type, value, currency FROM raw.iati_budgets ORDER BY ALL").fetchall() == [
        ("1", 400_000, "USD"),
        ("1", 1_500_000, "EUR"),
        ("2", 1_800_000, "EUR"),
    ]
    assert con.execute("""SELECT transaction_type, value, currency FROM raw.iati_transactions
                          WHERE iati_identifier LIKE '%NUT%' ORDER BY transaction_index""").fetchall() == [
        ("2", 1_800_000, "EUR"),
        ("3", 1_000_000, "EUR"),
        ("3", -50_000, "EUR"),
    ]
    assert con.execute(
        "SELECT org_role, org_name FROM raw.iati_participating_orgs WHERE org_role = '4' ORDER BY 2"
    ).fetchall() == [("4", "Action Contre la Faim"), ("4", "ONG internationale exemple")]
    assert con.execute("SELECT title FROM raw.iati_activities WHERE iati_identifier LIKE '%NUT%'").fetchall() == [
        ("Prise en charge de la malnutrition aiguë au Mali et au Niger",)
    ]
    everything = str(con.execute("SELECT * FROM raw.iati_activities").fetchall())
    assert "example.org" not in everything and "Ne pas charger" not in everything


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "fichier vide"),
        (
            b"<?xml version='1.0'?><iati-activities><iati-activity><iati-identifier>X</iati-identifier><title>",
            "XML tronqué ou mal formé ligne 1",
        ),
        (
            b"<?xml version='1.0'?><iati-organisations><iati-organisation/></iati-organisations>",
            "pas un fichier d'activités IATI",
        ),
    ],
)
def test_broken_iati_files_are_rejected_whole(con, tmp_path, content, message):
    path = tmp_path / "f.xml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        iati.load(con, path, 1, path.name, "b")
    assert con.execute("SELECT count(*) FROM raw.iati_activities").fetchall() == [(0,)]


def test_truncated_real_iati_file_loads_nothing(con, tmp_path):
    data = shared_path("real-data", "iati", "dportal_76.xml").read_bytes()
    path = tmp_path / "tronque.xml"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="XML tronqué"):
        iati.load(con, path, 1, path.name, "b")


def test_an_unreadable_transaction_is_rejected_alone_and_its_activity_lands(con, tmp_path):
    path = tmp_path / "a.xml"
    path.write_text(
        """<iati-activities version="2.03">
      <iati-activity><iati-identifier>A-1</iati-identifier>
        <transaction><transaction-type code="3"/><value>beaucoup</value></transaction>
        <transaction><transaction-type code="3"/><value/></transaction>
        <transaction><transaction-type code="3"/><value currency="USD">250</value></transaction></iati-activity>
      <iati-activity><iati-identifier>A-2</iati-identifier></iati-activity>
      <iati-activity><title/></iati-activity></iati-activities>""",
        encoding="utf-8",
    )
    assert iati.load(con, path, 7, path.name, "b") == (3, 2, 1)
    assert con.execute(
        "SELECT line_number, column_name, raw_value, action FROM ops.rejects ORDER BY 1, 2"
    ).fetchall() == [
        (0, "transaction[1]/value", "beaucoup", "part_rejected"),
        (0, "transaction[2]/value", None, "part_rejected"),
        (2, "iati-identifier", None, "rejected"),
    ]
    # The good transaction keeps its position in the activity.
    assert con.execute("SELECT iati_identifier, transaction_index, value FROM raw.iati_transactions").fetchall() == [
        ("A-1", 2, 250.0)
    ]


def test_a_narrative_is_read_in_french_else_english_else_the_first_written(con, tmp_path):
    path = tmp_path / "langues.xml"
    path.write_text(
        """<iati-activities version="2.03"><iati-activity><iati-identifier>L-1</iati-identifier>
        <reporting-org ref="R"><narrative xml:lang="es">Donante</narrative><narrative xml:lang="en">Donor</narrative>
        </reporting-org>
        <title><narrative>Water</narrative><narrative xml:lang="EN">Water and sanitation</narrative>
          <narrative xml:lang="fr"> </narrative><narrative xml:lang="fr">Eau et assainissement</narrative></title>
        <description><narrative xml:lang="es">Agua</narrative><narrative xml:lang="pt">Água</narrative></description>
        <participating-org role="1">Texte sans narrative</participating-org>
        </iati-activity></iati-activities>""",
        encoding="utf-8",
    )
    assert iati.load(con, path, 1, path.name, "b") == (1, 1, 0)
    assert con.execute(
        "SELECT a.reporting_org_name, a.title, a.description, o.org_name "
        "FROM raw.iati_activities a JOIN raw.iati_participating_orgs o USING (iati_identifier)"
    ).fetchall() == [("Donor", "Eau et assainissement", "Agua", "Texte sans narrative")]


def test_real_fts_pages_keep_every_flow_and_its_objects(con):
    read = [
        fts.load(con, shared_path("real-data", "fts", name), i, name, "b")
        for i, name in enumerate(
            (
                "custom-search-locationid-171-year-2020.json",
                "custom-search-locationid-171-year-2020-page-2.json",
                "custom-search-locationid-171-year-2020-page-3.json",
            ),
            1,
        )
    ]
    flows = sum(r[1] for r in read)
    assert (
        flows
        == json.loads(shared_path("real-data", "fts", "custom-search-locationid-171-year-2020.json").read_text())[
            "meta"
        ]["count"]
    )
    types = dict(con.execute("SELECT flow_type, count(*) FROM raw.fts_flows GROUP BY 1").fetchall())
    assert set(types) == {"Standard", "Parked", "Pass through", "Carryover"}
    [(parked_with_children,)] = con.execute(
        "SELECT count(*) FROM raw.fts_flows WHERE flow_type = 'Parked' AND len(child_flow_ids) > 0"
    ).fetchall()
    assert parked_with_children > 0
    # CAD 1 250 000 at 1.375 -> 909 091 USD: the source's own conversion is kept beside the amount.
    assert con.execute("""SELECT original_amount, original_currency, exchange_rate, amount_usd FROM raw.fts_flows
                          WHERE flow_id = '227704'""").fetchall() == [(1_250_000, "CAD", 1.375, 909_091)]
    objects = dict(con.execute("SELECT object_type, count(*) FROM raw.fts_flow_objects GROUP BY 1").fetchall())
    assert {"Organization", "Location", "Plan", "Project", "GlobalCluster", "UsageYear"} <= set(objects)
    assert con.execute(
        "SELECT count(*) FROM raw.fts_flows WHERE json_extract(flow_json, '$.reportDetails') IS NULL"
    ).fetchall() == [(0,)]


@pytest.mark.parametrize(
    "name, message",
    [
        ("2-fts-flow-plan-overview-progress-2020.json", "réponse FTS de type « plans » non chargée"),
        ("1-fts-flow-custom-search-planid-832-groupby-cluster.json", "réponse FTS de type « report3 » non chargée"),
    ],
)
def test_other_fts_responses_are_refused_with_a_clear_reason(con, name, message):
    with pytest.raises(InputError, match=message):
        fts.load(con, shared_path("real-data", "fts", name), 1, name, "b")


def test_truncated_fts_page_is_rejected(con, tmp_path):
    data = shared_path("real-data", "fts", "custom-search-locationid-171-year-2020-page-3.json").read_bytes()
    path = tmp_path / "p.json"
    path.write_bytes(data[:5000])
    with pytest.raises(InputError, match="JSON tronqué ou mal formé"):
        fts.load(con, path, 1, path.name, "b")


def test_rows_built_in_python_land_by_column_name_and_a_forgotten_column_is_an_error():
    from ingest.records import insert_records

    con = duckdb.connect()
    con.execute("CREATE TABLE t (file_id BIGINT, load_batch VARCHAR, a VARCHAR, value DECIMAL(38, 4))")
    types = {"a": "VARCHAR", "value": "DECIMAL(38, 4)"}
    insert_records(con, "t", types, [{"value": "12.5", "a": "x"}], 1, "b")  # keys in another order
    assert con.execute("SELECT a, value FROM t").fetchall() == [("x", 12.5)]
    with pytest.raises(KeyError):
        insert_records(con, "t", types, [{"a": "y"}], 1, "b")
    with pytest.raises(KeyError):
        insert_records(con, "t", types, [{"a": "y", "value": "1", "valeu": "2"}], 1, "b")


def _impossible_date(rng) -> str:
    kind = rng.choice(["far_past", "far_future", "no_such_day", "no_such_month", "words"])
    if kind == "far_past":
        return f"{rng.randint(1, 1959):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "far_future":
        return f"{rng.randint(2100, 9999)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "no_such_day":
        month = rng.choice([2, 4, 6, 9, 11])
        return f"{rng.randint(2001, 2030)}-{month:02d}-{rng.randint(30, 31) if month == 2 else 31}"
    if kind == "no_such_month":
        return f"{rng.randint(2001, 2030)}-{rng.randint(13, 99)}-{rng.randint(1, 28):02d}"
    return rng.choice(["bientôt", "T3 2024", "2024/05/12", "12-05-2024x"])


def _no_such_currency(rng) -> str:
    from ingest.plausibility import currency_codes

    while (code := "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))) in currency_codes():
        pass
    return rng.choice([code, code.lower() + "$", "dollars", "€"])


@pytest.mark.parametrize("seed", range(6))
def test_an_impossible_value_costs_its_transaction_or_its_cell_never_the_activity_nor_the_file(con, tmp_path, seed):
    """Seeded mutations of a real file: each impossible date or currency of a transaction rejects that transaction;
    an impossible value date or percentage is cleared; an old but possible date is kept and flagged."""
    import random

    from lxml import etree

    rng = random.Random(seed)
    tree = etree.parse(str(shared_path("real-data", "iati", "dportal_7.xml")))
    activities = tree.getroot().findall("iati-activity")
    expected_part_rejected, expected_cleared, expected_flagged, kept = set(), set(), set(), {}
    for a_index, activity in enumerate(activities):
        ident = activity.findtext("iati-identifier").strip()
        for t_index, t in enumerate(activity.findall("transaction")):
            value = t.find("value")
            if value is None or not (value.text or "").strip():
                continue
            where = f"transaction[{t_index + 1}]"
            draw = rng.random()
            date = t.find("transaction-date")
            if draw < 0.08 and date is not None:
                date.set("iso-date", _impossible_date(rng))
                expected_part_rejected.add((a_index, f"{where}/transaction-date"))
                continue
            if draw < 0.16:
                value.set("currency", _no_such_currency(rng))
                expected_part_rejected.add((a_index, f"{where}/value/@currency"))
                continue
            if draw < 0.24:
                value.set("value-date", _impossible_date(rng))
                expected_cleared.add((a_index, f"{where}/value/@value-date"))
            elif draw < 0.30:
                value.set("value-date", f"{rng.randint(1960, 1989)}-12-31")
                expected_flagged.add((a_index, f"{where}/value/@value-date"))
            kept[(ident, t_index)] = value.text.strip()
        for s_index, sector in enumerate(activity.findall("sector")):
            if rng.random() < 0.1:
                sector.set("percentage", rng.choice(["NaN", "inf", "-5", "250", "cent", "1e400"]))
                expected_cleared.add((a_index, f"sector[{s_index + 1}]/@percentage"))
    mutated = tmp_path / "mutated.xml"
    tree.write(str(mutated), encoding="utf-8")

    read, loaded, rejected = iati.load(con, mutated, 1, mutated.name, "b")
    assert (read, loaded, rejected) == (len(activities), len(activities), 0)
    by_action = {
        action: set(
            con.execute("SELECT line_number, column_name FROM ops.rejects WHERE action = ?", [action]).fetchall()
        )
        for action in ("part_rejected", "cleared", "flagged")
    }
    assert expected_part_rejected <= by_action["part_rejected"]
    assert expected_cleared <= by_action["cleared"]
    assert expected_flagged <= by_action["flagged"]
    landed = {
        (ident, index): value
        for ident, index, value in con.execute(
            "SELECT iati_identifier, transaction_index, value FROM raw.iati_transactions"
        ).fetchall()
    }
    assert landed.keys() == kept.keys()
    # To the money type's four decimals.
    assert [k for k in kept if Decimal(kept[k].replace(",", "")).quantize(Decimal("0.0001")) != landed[k]] == []
    # What lands is plausible: no date outside the stated bounds, every currency ISO, every share from 0 to 100.
    assert con.execute("""SELECT count(*) FROM raw.iati_transactions
        WHERE value_date NOT BETWEEN DATE '1960-01-01' AND DATE '2099-12-31'
           OR transaction_date NOT BETWEEN DATE '1960-01-01' AND DATE '2099-12-31'""").fetchone() == (0,)
    assert con.execute(
        "SELECT count(*) FROM raw.iati_sectors WHERE isnan(percentage) OR percentage NOT BETWEEN 0 AND 100"
    ).fetchone() == (0,)


@pytest.mark.parametrize("seed", range(3))
def test_an_impossible_fts_date_is_cleared_and_its_flow_lands(con, tmp_path, seed):
    import random

    rng = random.Random(seed)
    page = json.loads((SAMPLE_INBOX / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    flows = page["data"]["flows"]
    broken = set()
    for index, flow in enumerate(flows):
        for key in ("date", "decisionDate", "firstReportedDate"):
            if flow.get(key) and rng.random() < 0.3:
                flow[key] = _impossible_date(rng) + "T00:00:00Z"
                broken.add((index, key))
        if flow.get("originalAmount") is not None and rng.random() < 0.2:
            flow["originalCurrency"] = _no_such_currency(rng)
            broken.add((index, "originalAmount/originalCurrency"))
    assert broken
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert fts.load(con, path, 1, path.name, "b") == (len(flows), len(flows), 0)
    assert set(con.execute("SELECT line_number, column_name FROM ops.rejects WHERE action = 'cleared'").fetchall()) == (
        broken
    )
    # A flow whose original currency is unknown counts at its USD amount, never at an amount of unknown currency.
    for index in range(len(flows)):
        if (index, "originalAmount/originalCurrency") in broken:
            assert con.execute(
                "SELECT original_amount, original_currency FROM raw.fts_flows WHERE flow_index = ?", [index]
            ).fetchall() == [(None, None)]


@pytest.mark.parametrize("seed", range(3))
def test_a_number_where_fts_writes_text_lands_as_its_text(con, tmp_path, seed):
    """Fuzz seed 126 (fts): a budgetYear written as the JSON number 1e+18 set the page aside as our internal error
    (Arrow refused a number among texts). Any JSON number or boolean in a text field lands as its text."""
    import random

    rng = random.Random(seed)
    page = json.loads((SAMPLE_INBOX / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    flows = page["data"]["flows"]
    written = {}
    for index, flow in enumerate(flows):
        if rng.random() < 0.5:
            flow["budgetYear"] = rng.choice([1e18, -1.5e300, True, 2024.0, 7])
            written[index] = str(flow["budgetYear"])
    written = written or {0: str(flows[0].setdefault("budgetYear", "2024"))}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert fts.load(con, path, 1, path.name, "b") == (len(flows), len(flows), 0)
    landed = dict(con.execute("SELECT flow_index, budget_year FROM raw.fts_flows").fetchall())
    assert {index: landed[index] for index in written} == written
