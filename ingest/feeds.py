"""Fetch the FTS API and the IATI Datastore into the inbox, page by page, all or nothing.

Every page is fetched and checked (its content type, a body that parses as the page it must be, the flow count
the first page announced) before any is written; the pages then appear in the inbox in one rename, as a folder
the nightly ingest reads like any dropped file. Transient answers (429, 5xx, timeouts) are retried with
backoff (urllib3's Retry, honouring Retry-After); after the last try the feed fails with a clear message and
the inbox is left as it was. A feed has a time budget and each page a maximum size, so that a server trickling
bytes or sending an endless body cannot hold the night. The IATI API key travels in a header, is never logged
or written, and is dropped when a redirect leads to another host or port.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

FTS_URL = "https://api.hpc.tools"
IATI_DATASTORE_URL = "https://api.iatistandard.org/datastore"
MAX_PAGES = 500
IATI_KEY_HEADER = "Ocp-Apim-Subscription-Key"


class FeedError(Exception):
    """A feed could not be fetched whole; nothing of it was written."""


@dataclass(frozen=True)
class HttpPolicy:
    retries: int = 4
    backoff: float = 1.0  # seconds, doubled at each retry
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    feed_budget: float = 1200.0  # seconds for all the pages of one feed (two feeds fit in fetch_feeds' limit)
    max_page_bytes: int = 256 << 20


class _Session(requests.Session):
    """requests drops Authorization on a redirect to another host, but not an API key in a header of its own."""

    def rebuild_auth(self, prepared_request, response):
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            prepared_request.headers.pop(IATI_KEY_HEADER, None)


def session(policy: HttpPolicy = HttpPolicy()) -> requests.Session:
    retry = Retry(
        total=policy.retries,
        connect=policy.retries,
        read=policy.retries,
        status=policy.retries,
        backoff_factor=policy.backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    s = _Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = "mali-budget-warehouse/0.1"
    return s


def _get(http: requests.Session, url: str, policy: HttpPolicy, feed: str, deadline: float) -> tuple[bytes, str]:
    """The body and content type of one page, read in pieces against the feed's deadline and the page size limit."""
    try:
        with http.get(url, timeout=(policy.connect_timeout, policy.read_timeout), stream=True) as response:
            if response.status_code != 200:
                raise FeedError(
                    f"{feed} a répondu {response.status_code} après {policy.retries + 1} essais / answered "
                    f"{response.status_code} after {policy.retries + 1} tries ({urlsplit(url).path})"
                )
            body = bytearray()
            while piece := response.raw.read1(1 << 16, decode_content=True):
                body += piece
                if len(body) > policy.max_page_bytes:
                    raise FeedError(
                        f"{feed} : page de plus de {policy.max_page_bytes >> 20} Mo, abandonnée / page "
                        f"over {policy.max_page_bytes >> 20} MB, given up ({urlsplit(url).path})"
                    )
                if time.monotonic() > deadline:
                    raise FeedError(
                        f"{feed} : délai de {policy.feed_budget:.0f} s dépassé, rien n'est écrit / time "
                        f"budget of {policy.feed_budget:.0f} s exceeded, nothing written"
                    )
            return bytes(body), response.headers.get("Content-Type", "")
    except (requests.RequestException, OSError) as exc:
        # The message names the host and the kind of failure, never headers (where the API key is).
        raise FeedError(
            f"{feed} injoignable après {policy.retries + 1} essais / unreachable after "
            f"{policy.retries + 1} tries ({urlsplit(url).netloc}): {type(exc).__name__}"
        ) from None


def _publish(pages: list[bytes], inbox: Path, folder: str, suffix: str) -> Path:
    """Write all pages into a hidden folder of the inbox, then rename it into place."""
    target = inbox / folder
    if target.exists():
        log.info("%s déjà récupéré / already fetched", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=inbox))
    try:
        for number, body in enumerate(pages, 1):
            (staging / f"page_{number:03d}{suffix}").write_bytes(body)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _iati_page_activities(content: bytes, content_type: str, number: int) -> int:
    """The activities of a Datastore page; a page that is not IATI activity XML (an HTML error page answered 200)
    fails the feed instead of being taken for the last page."""
    try:
        if "xml" not in content_type:
            raise ValueError(content_type)
        root = ET.fromstring(content)
        if root.tag != "iati-activities":
            raise ValueError(root.tag)
    except (ValueError, ET.ParseError):
        raise FeedError(
            f"Datastore IATI : la page {number} n'est pas du XML d'activités IATI ({content_type or '?'}), "
            f"rien n'est écrit / page {number} is not IATI activity XML, nothing written"
        ) from None
    return len(root.findall("iati-activity"))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60]


def fetch_fts_flows(
    inbox: Path, query: dict, base_url: str = FTS_URL, policy: HttpPolicy = HttpPolicy(), today: dt.date | None = None
) -> Path:
    """GET /v1/public/fts/flow with the query, following meta.nextLink; returns the inbox folder written."""
    http = session(policy)
    url = f"{base_url.rstrip('/')}/v1/public/fts/flow?{urlencode(query)}"
    deadline = time.monotonic() + policy.feed_budget
    pages: list[bytes] = []
    flows, announced = 0, None
    while url:
        if len(pages) >= MAX_PAGES:
            raise FeedError(f"FTS : plus de {MAX_PAGES} pages / more than {MAX_PAGES} pages")
        content, content_type = _get(http, url, policy, "FTS", deadline)
        try:
            if "json" not in content_type:
                raise ValueError(content_type)
            body = json.loads(content)
            flows += len(body["data"]["flows"])
        except (ValueError, KeyError, TypeError):
            raise FeedError(
                f"FTS : la page {len(pages) + 1} n'est pas une page de flux ({content_type or '?'}), rien "
                f"n'est écrit / page {len(pages) + 1} is not a flow page, nothing written"
            ) from None
        meta = body.get("meta") or {}
        if announced is None:
            announced = meta.get("count")
        pages.append(content)
        url = meta.get("nextLink")
    if announced is not None and flows != announced:
        raise FeedError(
            f"FTS : {flows} flux reçus, {announced} annoncés, rien n'est écrit / {flows} flows received, "
            f"{announced} announced, nothing written"
        )
    folder = f"fts/api_{_slug(urlencode(query))}_{(today or dt.date.today()).isoformat()}"
    return _publish(pages, inbox, folder, ".json")


def fetch_iati_activities(
    inbox: Path,
    query: str,
    api_key: str,
    base_url: str = IATI_DATASTORE_URL,
    rows: int = 1000,
    policy: HttpPolicy = HttpPolicy(),
    today: dt.date | None = None,
) -> Path:
    """GET /activity/iati (IATI XML) page by page (start, rows) until a page comes back short."""
    http = session(policy)
    http.headers[IATI_KEY_HEADER] = api_key
    deadline = time.monotonic() + policy.feed_budget
    pages: list[bytes] = []
    start = 0
    while True:
        if len(pages) >= MAX_PAGES:
            raise FeedError(f"IATI : plus de {MAX_PAGES} pages / more than {MAX_PAGES} pages")
        params = urlencode({"q": query, "rows": rows, "start": start})
        content, content_type = _get(
            http, f"{base_url.rstrip('/')}/activity/iati?{params}", policy, "Datastore IATI", deadline
        )
        found = _iati_page_activities(content, content_type, len(pages) + 1)
        if found:
            pages.append(content)
        if found < rows:
            break
        start += rows
    if not pages:
        raise FeedError(f"Datastore IATI : aucune activité pour « {query} » / no activity for the query")
    folder = f"iati/api_{_slug(query)}_{(today or dt.date.today()).isoformat()}"
    return _publish(pages, inbox, folder, ".xml")
