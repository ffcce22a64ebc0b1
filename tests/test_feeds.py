"""FTS and IATI Datastore connectors against a real HTTP server on 127.0.0.1 serving recorded responses."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest.feeds import FeedError, HttpPolicy, fetch_fts_flows, fetch_iati_activities
from ingest.inbox import ingest_inbox
from tests.conftest import SAMPLE_INBOX, query, shared_path

# The read timeout leaves a loaded CI machine time to answer; a "slow" fault outlasts it by a full second.
FAST = HttpPolicy(retries=3, backoff=0.01, connect_timeout=2, read_timeout=1.5)
SLOW_ANSWER_SECONDS = FAST.read_timeout + 1.0
FTS_PAGES = [
    "custom-search-locationid-171-year-2020.json",
    "custom-search-locationid-171-year-2020-page-2.json",
    "custom-search-locationid-171-year-2020-page-3.json",
]
API_KEY = "cle-secrete-de-test-0123456789"


class Recorded:
    """What the server answers: recorded bodies, and faults to inject before them, per page."""

    def __init__(self):
        self.fts: list[dict] = []
        self.iati_pages: list[bytes] = []
        self.faults: dict[str, list[str]] = defaultdict(list)  # page key -> ["429", "500", "slow", ...]
        self.requests: list[tuple[str, dict]] = []
        self.redirect_to: str | None = None


@pytest.fixture
def server():
    recorded = Recorded()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            recorded.requests.append((url.path, dict(self.headers)))
            if url.path == "/v1/public/fts/flow":
                key = f"fts-{params.get('page', '1')}"
            elif url.path == "/moved/activity/iati" and recorded.redirect_to:
                return self._send(302, b"", {"Location": f"{recorded.redirect_to}/datastore/activity/iati?{url.query}"})
            elif url.path == "/datastore/activity/iati":
                if self.headers.get("Ocp-Apim-Subscription-Key") != API_KEY:
                    return self._send(401, b'{"statusCode": 401, "message": "Access denied"}')
                key = f"iati-{int(params['start']) // int(params['rows'])}"
            else:
                return self._send(404, b"not found")
            faults = recorded.faults[key]
            kind = "application/json; charset=utf-8" if key.startswith("fts") else "application/xml"
            if faults:
                fault = faults.pop(0)
                if fault == "slow":
                    time.sleep(SLOW_ANSWER_SECONDS)
                    return self._send(200, b"{}")
                if fault == "html":  # a proxy's error page answered 200
                    return self._send(200, b"<html><body>Service indisponible</body></html>", content_type="text/html")
                if fault in {"trickle", "endless"}:
                    return self._stream(kind, fault)
                return self._send(int(fault), b"busy", {"Retry-After": "0"})
            if key.startswith("fts"):
                return self._send(200, json.dumps(recorded.fts[int(key[4:]) - 1]).encode(), content_type=kind)
            index = int(key[5:])
            body = recorded.iati_pages[index] if index < len(recorded.iati_pages) else b"<iati-activities/>"
            return self._send(200, body, content_type=kind)

        def _stream(self, content_type, fault):
            """One byte every 50 ms (trickle) or 64 KB pieces with no end (endless), until the client hangs up."""
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            try:
                for _ in range(200 if fault == "trickle" else 100_000):
                    self.wfile.write(b" " if fault == "trickle" else b" " * 65536)
                    self.wfile.flush()
                    if fault == "trickle":
                        time.sleep(0.05)
            except OSError:
                pass

        def _send(self, status, body, headers=None, content_type="text/plain"):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_port}"
    # The recorded pages point to the real site: rewrite nextLink to this server.
    for number, name in enumerate(FTS_PAGES, 1):
        page = json.loads(shared_path("real-data", "fts", name).read_text())
        if page["meta"].get("nextLink"):
            page["meta"]["nextLink"] = f"{base}/v1/public/fts/flow?locationid=171&year=2020&page={number + 1}"
        recorded.fts.append(page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    recorded.base = base
    yield recorded
    httpd.shutdown()


def test_fts_follows_next_link_through_every_page_and_lands_every_flow(server, tmp_path):
    inbox = tmp_path / "inbox"
    folder = fetch_fts_flows(inbox, {"locationid": 171, "year": 2020}, base_url=server.base, policy=FAST)
    assert sorted(p.name for p in folder.iterdir()) == ["page_001.json", "page_002.json", "page_003.json"]
    summary = ingest_inbox(inbox, tmp_path / "w.duckdb", "b").as_dict()
    assert summary["files_loaded"] == 3
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM raw.fts_flows") == [(424,)]  # meta.count


def test_transient_errors_are_retried_then_the_feed_succeeds(server, tmp_path):
    server.faults["fts-1"] = ["429", "500"]
    server.faults["fts-2"] = ["503", "slow"]
    folder = fetch_fts_flows(tmp_path / "inbox", {"locationid": 171, "year": 2020}, base_url=server.base, policy=FAST)
    assert len(list(folder.iterdir())) == 3
    assert len(server.requests) == 3 + 4


def test_a_page_that_keeps_failing_writes_nothing(server, tmp_path):
    server.faults["fts-3"] = ["500"] * 10
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with pytest.raises(FeedError, match="FTS a répondu 500 après 4 essais"):
        fetch_fts_flows(inbox, {"locationid": 171, "year": 2020}, base_url=server.base, policy=FAST)
    assert list(inbox.rglob("*")) == []  # pages 1 and 2 were fetched, but no half feed is published


def test_timeouts_until_the_last_try_fail_clearly(server, tmp_path):
    server.faults["fts-1"] = ["slow"] * 10
    with pytest.raises(FeedError, match="FTS injoignable après 4 essais"):
        fetch_fts_flows(tmp_path / "inbox", {"locationid": 171}, base_url=server.base, policy=FAST)


def test_iati_datastore_pages_with_the_key_in_a_header_never_in_files_or_errors(server, tmp_path):
    sample = (SAMPLE_INBOX / "iati" / "activites_mali_exemple.xml").read_bytes()
    real = shared_path("real-data", "iati", "iati_activity_standard_example_annotated.xml").read_bytes()
    server.iati_pages = [sample, real]  # 2 activities (a full page of rows=2), then 1: the last page
    server.faults["iati-1"] = ["429"]
    inbox = tmp_path / "inbox"
    folder = fetch_iati_activities(
        inbox, "recipient_country_code:ML", API_KEY, base_url=f"{server.base}/datastore", rows=2, policy=FAST
    )
    assert sorted(p.name for p in folder.iterdir()) == ["page_001.xml", "page_002.xml"]
    assert all(h.get("Ocp-Apim-Subscription-Key") == API_KEY for path, h in server.requests)
    assert not any(API_KEY.encode() in p.read_bytes() for p in folder.iterdir())
    ingest_inbox(inbox, tmp_path / "w.duckdb", "b")
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM raw.iati_activities") == [(3,)]

    with pytest.raises(FeedError) as refused:
        fetch_iati_activities(tmp_path / "other", "x", "mauvaise-cle", base_url=f"{server.base}/datastore", policy=FAST)
    assert "401" in str(refused.value) and "mauvaise-cle" not in str(refused.value)


def test_an_html_page_answered_200_fails_the_feed_and_a_later_complete_fetch_is_not_refused(server, tmp_path):
    sample = (SAMPLE_INBOX / "iati" / "activites_mali_exemple.xml").read_bytes()
    server.iati_pages = [sample, sample]
    server.faults["iati-1"] = ["html"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with pytest.raises(FeedError, match="la page 2 n'est pas du XML d'activités IATI"):
        fetch_iati_activities(inbox, "q", API_KEY, base_url=f"{server.base}/datastore", rows=2, policy=FAST)
    assert list(inbox.rglob("*")) == []  # page 1 alone is not published as the day's feed
    folder = fetch_iati_activities(inbox, "q", API_KEY, base_url=f"{server.base}/datastore", rows=2, policy=FAST)
    assert sorted(p.name for p in folder.iterdir()) == ["page_001.xml", "page_002.xml"]


def test_fts_pages_that_do_not_add_up_to_the_announced_count_fail_the_feed(server, tmp_path):
    server.fts[2]["data"]["flows"] = server.fts[2]["data"]["flows"][:-1]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with pytest.raises(FeedError, match="423 flux reçus, 424 annoncés"):
        fetch_fts_flows(inbox, {"locationid": 171, "year": 2020}, base_url=server.base, policy=FAST)
    assert list(inbox.rglob("*")) == []


@pytest.mark.parametrize("fault, message", [("trickle", "délai de 1 s dépassé"), ("endless", "page de plus de 1 Mo")])
def test_a_trickling_or_endless_page_stops_within_the_feed_budget(server, tmp_path, fault, message):
    import dataclasses

    server.faults["fts-2"] = [fault]
    policy = dataclasses.replace(FAST, feed_budget=1.0, max_page_bytes=1 << 20)
    started = time.monotonic()
    with pytest.raises(FeedError, match=message):
        fetch_fts_flows(tmp_path / "inbox", {"locationid": 171, "year": 2020}, base_url=server.base, policy=policy)
    assert time.monotonic() - started < 5  # a trickle of 200 bytes at 20 a second would take 10 s
    assert not (tmp_path / "inbox").exists()


def test_the_api_key_is_not_sent_to_another_host_a_redirect_names(server, tmp_path):
    """127.0.0.1 on another port stands for another host: requests treats a port change alike."""
    other = Recorded()
    other.iati_pages = [(SAMPLE_INBOX / "iati" / "activites_mali_exemple.xml").read_bytes()]
    seen = []

    class Elsewhere(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append(dict(self.headers))
            body = other.iati_pages[0]
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        server.redirect_to = f"http://127.0.0.1:{httpd.server_port}"
        fetch_iati_activities(tmp_path / "inbox", "q", API_KEY, base_url=f"{server.base}/moved", rows=10, policy=FAST)
    finally:
        httpd.shutdown()
    assert server.requests[0][1]["Ocp-Apim-Subscription-Key"] == API_KEY  # the feed's own host had it
    assert seen and all("Ocp-Apim-Subscription-Key" not in h for h in seen)


def test_nightly_fetch_reads_its_configuration_and_reports_every_failed_feed(server, paths, monkeypatch):
    import datetime as dt

    from warehouse import nightly

    assert nightly.fetch_feeds(paths, dt.date(2026, 11, 22), None) == {}  # nothing configured: nothing fetched
    monkeypatch.setenv("FTS_FLOW_QUERY", "locationid=171&year=2020")
    monkeypatch.setenv("FTS_API_URL", server.base)
    fetched = nightly.fetch_feeds(paths, dt.date(2026, 11, 22), None)
    assert fetched == {"fts": str(paths.inbox / "fts" / "api_locationid_171_year_2020_2026-11-22")}

    monkeypatch.setenv("IATI_DATASTORE_QUERY", "recipient_country_code:ML")
    with pytest.raises(FeedError, match="clé d'API absente"):
        nightly.fetch_feeds(paths, dt.date(2026, 11, 23), None)


def test_sigterm_stops_a_trickling_feed_at_once_and_nothing_of_it_is_written(server, tmp_path):
    """Airflow stops a task (its execution_timeout, a cleared run) with SIGTERM, which its task runner turns into an
    exception in the task: the feed must stop there, not at its budget, and leave nothing in the inbox."""
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    server.faults["fts-2"] = ["trickle"]
    script = """
import signal, sys
from pathlib import Path
from ingest.feeds import HttpPolicy, fetch_fts_flows

class Terminated(Exception):
    pass

def stop(signum, frame):
    raise Terminated("SIGTERM")  # as Airflow's task runner does

signal.signal(signal.SIGTERM, stop)
print("fetching", flush=True)
fetch_fts_flows(Path(sys.argv[1]), {"locationid": 171, "year": 2020}, base_url=sys.argv[2],
                policy=HttpPolicy(retries=0, read_timeout=30, feed_budget=300))
"""
    inbox = tmp_path / "inbox"
    feed = subprocess.Popen(
        [sys.executable, "-c", script, str(inbox), server.base],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert feed.stdout.readline() == b"fetching\n"
    time.sleep(1.5)  # page 1 fetched, page 2 trickling (200 bytes at 20 a second: 10 s)
    assert feed.poll() is None
    started = time.monotonic()
    feed.send_signal(signal.SIGTERM)
    _, err = feed.communicate(timeout=10)
    assert time.monotonic() - started < 3, "the feed went on after SIGTERM"
    assert feed.returncode != 0 and b"Terminated: SIGTERM" in err
    assert not inbox.exists() or list(inbox.rglob("*")) == []


def test_a_step_s_time_limit_stops_a_hung_feed_as_airflow_applies_it(server, paths, monkeypatch):
    """execution_timeout is applied by Airflow's task runner with its `timeout` (SIGALRM): the night's fetch step
    stops there, with AirflowTaskTimeout (retried like any infrastructure failure, not failed for good), and writes
    nothing."""
    import datetime as dt

    from airflow.sdk.exceptions import AirflowTaskTimeout
    from airflow.sdk.execution_time.timeout import timeout

    from warehouse import nightly

    server.faults["fts-2"] = ["trickle"]
    monkeypatch.setenv("FTS_FLOW_QUERY", "locationid=171&year=2020")
    monkeypatch.setenv("FTS_API_URL", server.base)
    before = sorted(p.relative_to(paths.inbox) for p in paths.inbox.rglob("*"))
    started = time.monotonic()
    with pytest.raises(AirflowTaskTimeout), timeout(2):
        nightly.fetch_feeds(paths, dt.date(2026, 11, 22), None)
    assert time.monotonic() - started < 5
    assert sorted(p.relative_to(paths.inbox) for p in paths.inbox.rglob("*")) == before
