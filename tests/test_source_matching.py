"""The same money counted once across FTS, IATI and partner reports (fct_source_matches, fct_funding_flows).

On the shared real files: the identifier pairs computed here from the files (tests/source_pairs.py) are matched, and
every record excluded as another source's money is backed by a match whose evidence the files confirm. On grants of
ours: a donor's IATI disbursement and the partner's 3W line for it (other currency, other spellings) are one grant.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from benchmarks.reconciliation import build_real_warehouse
from ingest.inbox import ingest_inbox
from tests.conftest import SAMPLE_INBOX, query, shared_path, with_inbox_settings
from tests.source_pairs import fts_references, iati_references, identifier_pairs
from warehouse import nightly

XOF_PER_EUR = 655.957
# Phrases of a nutrition project's title, from which a candidate's title and its partner's rewording are drawn.
CANDIDATE_PHRASES = [
    "prise en charge",
    "malnutrition aiguë sévère",
    "enfants de moins de cinq ans",
    "femmes enceintes et allaitantes",
    "dépistage communautaire",
    "cercle de Bandiagara",
    "centres de santé",
    "aliments thérapeutiques",
    "relais communautaires",
    "Tominian",
]


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    real = shared_path("real-data").resolve()
    return real, build_real_warehouse(real, tmp_path_factory.mktemp("reconciled"))


@pytest.mark.real_data
def test_real_identifier_pairs_are_matched_and_counted_once(real_warehouse):
    real, warehouse = real_warehouse
    truth = identifier_pairs(real)
    assert len(truth) >= 50  # the README: 55 flows, 48 activities
    applied = set(
        query(
            warehouse,
            """SELECT record_key_a, record_key_b FROM marts.fct_source_matches
               WHERE source_system_a = 'fts' AND source_system_b = 'iati' AND record_level_b = 'activity'
                 AND decision IN ('applied', 'confirmed')""",
        )
    )
    assert len(truth & applied) / len(truth) >= 0.95
    # None counted twice: for each pair, the FTS flow counts and no transaction of the activity does.
    counted = set(
        query(
            warehouse,
            "SELECT coalesce(iati_identifier, source_record_id) FROM marts.fct_funding_flows WHERE counted_in_totals AND source_system = 'iati'",
        )
    )
    assert not {activity for _, activity in truth} & {a for (a,) in counted}


@pytest.mark.real_data
def test_every_cross_source_exclusion_has_evidence_the_files_confirm(real_warehouse):
    real, warehouse = real_warehouse
    flows, activities = fts_references(real / "fts"), iati_references(real / "iati")
    excluded = query(
        warehouse,
        """SELECT source_system, source_record_id, iati_identifier, double_count_rule FROM marts.fct_funding_flows
           WHERE double_count_rule LIKE 'same_money_in_%'""",
    )
    assert excluded
    for source, record, activity, rule in excluded:
        evidence = query(
            warehouse,
            """SELECT record_key_a, tier, evidence FROM marts.fct_source_matches
               WHERE decision IN ('applied', 'confirmed') AND double_count_rule = ?
                 AND ((source_system_b = ? AND record_key_b IN (?, ?)) OR (source_system_a = ? AND record_key_a = ?))""",
            [rule, source, record, activity, source, record],
        )
        assert evidence, (source, record)
        for flow, tier, text in evidence:
            assert tier == 1
            # The reference the evidence names is one the flow and the activity both quote, as read from the files.
            shared = {ref for ref in re.findall(r": ([^|]+?)(?: \||$)", text)}
            assert shared & flows[flow] & activities[activity], (flow, activity, text)


@pytest.mark.real_data
def test_an_activity_matched_by_several_flows_is_shared_among_them_once(real_warehouse):
    """The activities the files pair with several FTS flows: each flow keeps its amount, the activity's amount is
    shared among its matches in proportion to the flows' amounts, the shares adding up to it; the report says how
    much was shared."""
    real, warehouse = real_warehouse
    flows_per_activity: dict[str, set[str]] = {}
    for flow, activity in identifier_pairs(real):
        flows_per_activity.setdefault(activity, set()).add(flow)
    several = {activity for activity, flows in flows_per_activity.items() if len(flows) > 1}
    assert several  # the pooled fund's activities reported to FTS in several flows
    rows = query(
        warehouse,
        """SELECT record_key_b, record_key_a, amount_usd_a, amount_usd_b, amount_share_rule, excluded_amount_usd_share
           FROM marts.fct_source_matches
           WHERE source_system_a = 'fts' AND source_system_b = 'iati' AND decision IN ('applied', 'confirmed')""",
    )
    shared: dict[str, list] = {}
    for activity, flow, flow_usd, activity_usd, rule, share in rows:
        shared.setdefault(activity, []).append((flow, flow_usd, activity_usd, rule, share))
    for activity in several & set(shared):
        matches = shared[activity]
        assert {flow for flow, *_ in matches} >= flows_per_activity[activity], activity
        total_flows = sum(abs(flow_usd) for _, flow_usd, *_ in matches)
        for _, flow_usd, activity_usd, rule, share in matches:
            assert rule == "in_proportion_to_counted_amounts", activity
            assert share == pytest.approx(activity_usd * abs(flow_usd) / total_flows, abs=0.01), activity
        assert sum(share for *_, share in matches) == pytest.approx(matches[0][2], abs=0.01)
    [(reported,)] = query(warehouse, "SELECT sum(usd_not_counted_again_shared) FROM marts.rpt_sources_reconciled")
    assert reported > 0


def _iati_grant(identifier, donor_ref, donor_name, partner_name, eur, day, title=None) -> str:
    title = title or f"Subvention {identifier}"
    return f"""
 <iati-activity default-currency="EUR" humanitarian="0">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{donor_ref}" type="10"><narrative>{donor_name}</narrative></reporting-org>
  <title><narrative xml:lang="fr">{title}</narrative></title>
  <activity-status code="2"/>
  <recipient-country code="ML" percentage="100"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="{day}"/>
   <value currency="EUR" value-date="{day}">{eur}</value>
   <receiver-org><narrative>{partner_name}</narrative></receiver-org></transaction>
 </iati-activity>"""


@pytest.fixture(scope="module")
def our_grants(tmp_path_factory):
    """Seeded grants: each donor publishes a disbursement in euros to IATI, and its partner writes the same grant in
    FCFA in a 3W with the donor's and its own names spelled otherwise; a decoy line 10 % off is not the grant."""
    rng = random.Random(35)
    donors = [
        ("UE", "XI-IATI-EC_INTPA", "European Union", "Union européenne"),
        ("USAID", "US-GOV-1", "United States Agency for International Development", "USAID"),
        ("ECHO", "XI-IATI-EC_ECHO", "DG ECHO", "ECHO"),
    ]
    partners = [
        ("PAM", "World Food Programme", "PAM"),
        ("UNICEF", "UNICEF", "Fonds des Nations Unies pour l'Enfance"),
        ("OIM", "IOM", "Organisation internationale pour les migrations"),
    ]
    rng.shuffle(partners)
    grants = []
    for index, ((_, ref, iati_name, written_donor), (_, iati_partner, written_partner)) in enumerate(
        zip(donors, partners, strict=True)
    ):
        eur = rng.randrange(50_000, 2_000_000)
        month = rng.randrange(1, 12)
        day = (dt.date(2024, month + 1, 1) - dt.timedelta(days=1)).isoformat()
        grants.append(
            (f"{ref}-GRANT-{index}", ref, iati_name, iati_partner, written_donor, written_partner, eur, month, day)
        )
    inbox = with_inbox_settings(tmp_path_factory.mktemp("grants") / "inbox")
    shutil.copytree(SAMPLE_INBOX, inbox, dirs_exist_ok=True)
    (inbox / "iati" / "bailleurs.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        + "".join(_iati_grant(g[0], g[1], g[2], g[3], g[6], g[8]) for g in grants)
        + "\n</iati-activities>\n",
        encoding="utf-8",
    )
    lines = ["Partenaire;Bailleur;Région;Secteur;Activité;Date de début;Date de fin;Budget prévu;Devise"]
    for _, _, _, _, donor, partner, eur, month, day in grants:
        lines.append(
            f"{partner};{donor};Mopti;Nutrition;Appui;2024-{month:02d}-01;{day};{round(eur * XOF_PER_EUR)};FCFA"
        )
    decoy = grants[0]
    lines.append(
        f"{decoy[5]};{decoy[4]};Mopti;Nutrition;Autre;2024-{decoy[7]:02d}-01;{decoy[8]};"
        f"{round(decoy[6] * 1.1 * XOF_PER_EUR)};FCFA"
    )
    (inbox / "partner_reports" / "3W_subventions_2024.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A candidate: the second donor's activity and a 3W line of its partner for another month (a period of its own),
    # amounts 60 % apart (no tier 2), the title's phrases written by the partner in another order, upper case and
    # without accents, beside words of its own.
    phrases = rng.sample(CANDIDATE_PHRASES, 5)
    partner_words = rng.sample(phrases, 4) + [rng.choice(["suivi", "zone sanitaire", "phase 2"])]
    _, ref, iati_name, iati_partner, donor, partner, eur, month, _ = grants[1]
    month = month % 11 + 1
    day = (dt.date(2024, month + 1, 1) - dt.timedelta(days=1)).isoformat()
    candidate = (f"{ref}-CANDIDAT", " ".join(phrases), " - ".join(partner_words).upper())
    (inbox / "iati" / "candidats.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
        + _iati_grant(candidate[0], ref, iati_name, iati_partner, round(eur * 0.5), day, title=candidate[1])
        + "\n</iati-activities>\n",
        encoding="utf-8",
    )
    text = unicodedata.normalize("NFKD", candidate[2]).encode("ascii", "ignore").decode()
    (inbox / "partner_reports" / "3W_candidats_2024.csv").write_text(
        lines[0] + f"\n{partner};{donor};Mopti;Nutrition;{text};2024-{month:02d}-01;{day};"
        f"{round(eur * 0.8 * XOF_PER_EUR)};FCFA\n",
        encoding="utf-8",
    )
    warehouse = inbox.parent / "w.duckdb"
    ingest_inbox(inbox, warehouse, "b")
    nightly.build(str(warehouse), dt.date(2026, 11, 22), "n")
    return warehouse, grants, candidate


def test_a_donors_iati_grant_and_its_partners_3w_line_are_one_grant(our_grants):
    warehouse, grants, _ = our_grants
    for identifier, *_ in grants:
        matches = query(
            warehouse,
            """SELECT m.tier, m.decision, m.counted_source_system, f.double_count_rule, f.amount_xof
               FROM marts.fct_source_matches m
               JOIN marts.fct_funding_flows f ON f.source_record_id = m.record_key_b
               WHERE m.source_system_a = 'iati' AND m.record_key_a = ? || '#0' AND m.source_system_b = 'partner_report'
                 AND m.tier = 2""",
            [identifier],
        )
        assert [m[:4] for m in matches] == [(2, "applied", "iati", "same_money_in_iati")], identifier
    # The donor's transactions count; the partner's lines of the grants do not, the decoy does.
    assert query(
        warehouse,
        "SELECT bool_and(counted_in_totals) FROM marts.fct_funding_flows WHERE iati_identifier LIKE '%-GRANT-%'",
    ) == [(True,)]
    partner_lines = query(
        warehouse,
        """SELECT description, counted_in_totals FROM marts.fct_funding_flows f JOIN ops.files o ON o.file_id = f.source_file_id
           WHERE o.path LIKE '%3W_subventions_2024.csv' ORDER BY source_position""",
    )
    assert partner_lines == [("Appui", False)] * len(grants) + [("Autre", True)]


def test_a_title_reworded_by_the_partner_is_a_candidate_for_a_person_never_applied_alone(our_grants):
    warehouse, _, (identifier, title, written) = our_grants
    candidates = query(
        warehouse,
        """SELECT m.tier, m.decision, m.score, m.evidence, m.double_count_rule, f.counted_in_totals
           FROM marts.fct_source_matches m
           JOIN marts.fct_funding_flows f ON f.source_record_id = m.record_key_b
           JOIN ops.files o ON o.file_id = f.source_file_id
           WHERE m.source_system_a = 'iati' AND m.record_key_a = ? AND o.path LIKE '%3W_candidats_2024.csv'""",
        [identifier],
    )
    assert candidates, (title, written)
    for tier, decision, score, evidence, rule, counted in candidates:
        assert (tier, decision, rule, counted) == (3, "awaiting", None, True), (title, written)
        assert score >= 0.5 and evidence.startswith("text "), evidence
    # The donor's activity counts too: a candidate excludes nothing until a person confirms it.
    assert query(
        warehouse,
        "SELECT bool_and(counted_in_totals) FROM marts.fct_funding_flows WHERE iati_identifier = ?",
        [identifier],
    ) == [(True,)]


@pytest.mark.real_data
def test_the_report_shows_per_donor_the_money_held_by_two_sources(real_warehouse, tmp_path):
    from report.build import build_report

    _, warehouse = real_warehouse
    build_report(warehouse, tmp_path, dt.date(2026, 11, 22))
    [(donor, usd)] = query(
        warehouse,
        """SELECT donor_name, usd_in_two_sources FROM marts.rpt_sources_reconciled
           ORDER BY usd_in_two_sources DESC LIMIT 1""",
    )
    # The pooled fund's flows FTS counts, whose IATI activities are not counted again.
    assert usd > 0
    assert (
        usd
        == query(
            warehouse,
            """SELECT sum(amount_usd_reported) FROM marts.fct_funding_flows f
           WHERE source_system = 'fts' AND counted_in_totals AND flow_stage IN ('disbursement', 'expenditure')
             AND source_record_id IN (SELECT record_key_a FROM marts.fct_source_matches WHERE decision = 'applied')
             AND donor_org_name = ?""",
            [donor],
        )[0][0]
    )
    for lang, heading in (("fr", "Rapprochement des sources"), ("en", "Sources reconciled")):
        page = (tmp_path / lang / "index.html").read_text(encoding="utf-8")
        assert heading in page and donor in page
    assert (tmp_path / "extraits" / "fct_source_matches.xlsx").exists()
    assert (tmp_path / "extraits" / "fct_source_matches.csv").exists()


def _pooled_fund_activity(reference: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="USD" humanitarian="1">
  <iati-identifier>XM-OCHA-CBPF-{reference}</iati-identifier>
  <reporting-org ref="XM-OCHA-CBPF" type="40"><narrative>Mali Humanitarian Fund</narrative></reporting-org>
  <title><narrative>Allocation {reference}</narrative></title>
  <recipient-country code="ML"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-03-01"/>
   <value value-date="2024-03-01">250000</value>
   <receiver-org><narrative>ONG internationale exemple</narrative></receiver-org></transaction>
 </iati-activity>
</iati-activities>
"""


def test_an_fts_flow_arriving_after_the_iati_activity_excludes_it_on_an_incremental_night(tmp_path):
    """Night 1 loads a pooled fund's IATI allocation; night 2 brings the FTS flow quoting it (its refCode is the
    identifier's tail): the incremental night rebuilds the activity's group too, as a full build of both would."""
    rng = random.Random(2035)
    reference = f"MLI-24/{rng.choice(['DDA', 'HCT', 'RA'])}-{rng.randrange(1000, 9999)}/SA1/NUT/INGO/{rng.randrange(10**4, 10**5)}"
    page = json.loads((SAMPLE_INBOX / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    flow = next(f for f in page["data"]["flows"] if f["flowType"] == "Standard")
    page["data"]["flows"] = [flow | {"id": "990001", "refCode": reference}]
    page["meta"].pop("nextLink", None)
    results = {}
    for mode in ("incremental", "full"):
        inbox = tmp_path / mode / "inbox"
        shutil.copytree(SAMPLE_INBOX, inbox)
        (inbox / "iati" / "fonds_commun.xml").write_text(_pooled_fund_activity(reference), encoding="utf-8")
        warehouse = tmp_path / mode / "w.duckdb"
        if mode == "incremental":
            ingest_inbox(inbox, warehouse, "night-1")
            nightly.build(str(warehouse), dt.date(2026, 11, 22), "night-1")
        (inbox / "fts" / "fonds_commun_fts.json").write_text(json.dumps(page), encoding="utf-8")
        ingest_inbox(inbox, warehouse, "night-2")
        nightly.build(str(warehouse), dt.date(2026, 11, 22), "night-2")
        results[mode] = query(
            warehouse,
            """SELECT source_system, source_record_id, double_count_rule FROM marts.fct_funding_flows
               WHERE source_record_id = '990001' OR iati_identifier LIKE 'XM-OCHA-CBPF-%' ORDER BY 1""",
        )
    assert (
        results["incremental"]
        == results["full"]
        == [
            ("fts", "990001", None),
            ("iati", f"XM-OCHA-CBPF-{reference}#0", "same_money_in_fts"),
        ]
    )


def test_the_references_the_matching_reads_are_landed(tmp_path):
    """IATI other-identifiers, FTS project codes and reportDetails references, a 3W's project code: each in raw."""
    import duckdb

    from ingest import fts, iati, ledger

    con = duckdb.connect()
    ledger.ensure_tables(con)
    path = shared_path("real-data", "iati", "dportal_134.xml")
    iati.load(con, path, 1, path.name, "b")
    written = [(o.get("ref"), o.get("type")) for o in ET.parse(path).getroot().iter("other-identifier")]
    assert sorted(written) == sorted(
        con.execute("SELECT other_ref, other_type FROM raw.iati_other_identifiers").fetchall()
    )
    page = json.loads((SAMPLE_INBOX / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    flow = page["data"]["flows"][1]
    flow["reportDetails"] = [
        {"sourceType": "Primary", "refCode": "ECHO/-WF/BUD/2024/91023"},
        {"sourceType": "Primary", "refCode": " GR-77 ", "reportChannel": "From EDRIS"},
        {"sourceType": "Primary", "organization": "ECHO", "reportChannel": "GMS", "date": "2024-01-05"},
    ]
    flow["destinationObjects"].append({"type": "Project", "id": "1", "name": "P", "code": "HMLI24-NUT-1-1"})
    (tmp_path / "page.json").write_text(json.dumps(page), encoding="utf-8")
    fts.load(con, tmp_path / "page.json", 2, "page.json", "b")
    assert con.execute(
        "SELECT report_ref_codes FROM raw.fts_flows WHERE flow_id = ?", [str(flow["id"])]
    ).fetchall() == [(["ECHO/-WF/BUD/2024/91023", "GR-77"],)]
    assert con.execute("SELECT object_code FROM raw.fts_flow_objects WHERE object_type = 'Project'").fetchall() == [
        ("HMLI24-NUT-1-1",)
    ]
    # A 3W's ProjectCode column (HRP codes), as the real ROWCA file writes it.
    inbox = with_inbox_settings(tmp_path / "inbox")
    (inbox / "partner_reports").mkdir()
    shutil.copy(shared_path("real-data", "partner_reports", "rowca_3w_2014_hxl.csv"), inbox / "partner_reports")
    ingest_inbox(inbox, tmp_path / "w.duckdb", "b")
    with open(inbox / "partner_reports" / "rowca_3w_2014_hxl.csv", encoding="utf-8") as fh:
        codes = {
            row["ProjectCode"]
            for row in csv.DictReader(fh)
            if row["ProjectCode"].strip() and row["Cluster"] != "#sector"
        }
    assert {
        c for (c,) in query(tmp_path / "w.duckdb", "SELECT DISTINCT project_code FROM raw.partner_reports")
    } == codes


def _three_w(lines: list[tuple[str, str, int, int, str]]) -> str:
    """A 3W of (partner, donor, FCFA, month, last day of the month) lines."""
    header = "Partenaire;Bailleur;Région;Secteur;Activité;Date de début;Date de fin;Budget prévu;Devise"
    rows = [f"{p};{d};Mopti;Nutrition;Appui;2024-{m:02d}-01;{day};{xof};FCFA" for p, d, xof, m, day in lines]
    return "\n".join([header, *rows]) + "\n"


def test_a_tier_2_match_reaches_the_other_side_on_an_incremental_night(tmp_path):
    """Night 1 loads two partners' 3W lines and the donor's IATI grant for the second; night 2 brings the donor's
    grant for the first and a corrected grant for the second, 30 % larger. The incremental night excludes the first
    line (another group than the night's files) and counts the second again, as a full build of both nights does."""
    rng = random.Random(3502)
    grants = []
    for index, (ref, iati_name, written_donor, iati_partner, written_partner) in enumerate(
        rng.sample(
            [
                ("XI-IATI-EC_INTPA", "European Union", "Union européenne", "World Food Programme", "PAM"),
                ("US-GOV-1", "USAID", "USAID", "UNICEF", "Fonds des Nations Unies pour l'Enfance"),
                ("XI-IATI-EC_ECHO", "DG ECHO", "ECHO", "IOM", "Organisation internationale pour les migrations"),
            ],
            2,
        )
    ):
        eur, month = rng.randrange(50_000, 2_000_000), rng.randrange(1, 12)
        day = (dt.date(2024, month + 1, 1) - dt.timedelta(days=1)).isoformat()
        grants.append((f"{ref}-NIGHT-{index}", ref, iati_name, iati_partner, written_donor, written_partner, eur, day))

    def iati_file(*activities: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">'
            + "".join(activities)
            + "\n</iati-activities>\n"
        )

    first, second = grants
    results = {}
    for mode in ("incremental", "full"):
        inbox = with_inbox_settings(tmp_path / mode / "inbox")
        shutil.copytree(SAMPLE_INBOX, inbox, dirs_exist_ok=True)
        (inbox / "partner_reports" / "3W_subventions_2024.csv").write_text(
            _three_w([(g[5], g[4], round(g[6] * XOF_PER_EUR), int(g[7][5:7]), g[7]) for g in grants]),
            encoding="utf-8",
        )
        (inbox / "iati" / "bailleur_2.xml").write_text(iati_file(_iati_grant(*second[:4], second[6], second[7])))
        warehouse = tmp_path / mode / "w.duckdb"
        if mode == "incremental":
            ingest_inbox(inbox, warehouse, "night-1")
            nightly.build(str(warehouse), dt.date(2026, 11, 22), "night-1")
            assert query(
                warehouse,
                """SELECT description, counted_in_totals FROM marts.fct_funding_flows f JOIN ops.files o
                   ON o.file_id = f.source_file_id WHERE o.path LIKE '%3W_subventions_2024.csv'
                   ORDER BY source_position""",
            ) == [("Appui", True), ("Appui", False)]
        (inbox / "iati" / "bailleur_1.xml").write_text(iati_file(_iati_grant(*first[:4], first[6], first[7])))
        (inbox / "iati" / "bailleur_2_corrige.xml").write_text(
            iati_file(_iati_grant(*second[:4], round(second[6] * 1.3), second[7]))
        )
        ingest_inbox(inbox, warehouse, "night-2")
        nightly.build(str(warehouse), dt.date(2026, 11, 22), "night-2")
        results[mode] = query(
            warehouse,
            """SELECT source_system, source_position, double_count_rule FROM marts.fct_funding_flows f
               JOIN ops.files o ON o.file_id = f.source_file_id
               WHERE o.path LIKE '%3W_subventions_2024.csv' OR iati_identifier LIKE '%-NIGHT-%' ORDER BY 1, 2""",
        )
    assert query(tmp_path / "incremental" / "w.duckdb", "SELECT build_mode FROM ops.model_builds ORDER BY 1") == [
        ("full",),
        ("incremental",),
    ]
    lines = [r for r in results["full"] if r[0] == "partner_report"]
    assert [rule for _, _, rule in lines] == ["same_money_in_iati", None]
    assert results["incremental"] == results["full"]


@pytest.mark.real_data
def test_the_fts_report_details_keys_read_are_those_of_the_real_files():
    """The keys of every reportDetails entry of the real FTS pages are known: the one read as a reference (refCode)
    or one saying who reported, how and when. A page bringing another key fails here, to be looked at before it is
    read or left out. The references loaded are those the files write under refCode."""
    import duckdb

    from ingest import fts, ledger

    folder = shared_path("real-data", "fts")
    con = duckdb.connect()
    ledger.ensure_tables(con)
    written: dict[str, list[str]] = {}
    keys: set[str] = set()
    for file_id, path in enumerate(sorted(folder.glob("*.json")), start=1):
        flows = (json.loads(path.read_text(encoding="utf-8-sig")).get("data") or {}).get("flows")
        if not isinstance(flows, list):
            continue  # a plan overview or grouped report: not flows (test_iati_fts)
        fts.load(con, path, file_id, path.name, "b")
        for flow in flows:
            details = flow.get("reportDetails") or []
            keys.update(key for detail in details for key in detail)
            refs = [d[fts.REPORT_REF_KEY].strip() for d in details if str(d.get(fts.REPORT_REF_KEY) or "").strip()]
            written[str(flow["id"])] = list(dict.fromkeys(refs))
    assert keys and keys <= {fts.REPORT_REF_KEY, *fts.REPORT_DETAIL_KEYS_WITHOUT_REFERENCE}, keys
    loaded = dict(con.execute("SELECT flow_id, coalesce(report_ref_codes, []) FROM raw.fts_flows").fetchall())
    assert loaded == written
