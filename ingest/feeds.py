"""Fetch the FTS API and the IATI Datastore into the inbox, page by page, all or nothing.

Every page is fetched before any is written; the pages then appear in the inbox in one rename, as a folder
the nightly ingest reads like any dropped file. Transient answers (429, 5xx, timeouts) are retried with
backoff (urllib3's Retry, honouring Retry-After); after the last try the feed fails with a clear message and
the inbox is left as it was. The IATI API key travels in a header and is never logged or written.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import tempfile
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


class FeedError(Exception):
    """A feed could not be fetched whole; nothing of it was written."""


@dataclass(frozen=True)
class HttpPolicy:
    retries: int = 4
    backoff: float = 1.0  # seconds, doubled at each retry
    connect_timeout: float = 10.0
    read_timeout: float = 120.0


def session(policy: HttpPolicy = HttpPolicy()) -> requests.Session:
    retry = Retry(
        total=policy.retries, connect=policy.retries, read=policy.retries, status=policy.retries,
        backoff_factor=policy.backoff, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",),
        respect_retry_after_header=True, raise_on_status=False,
    )
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = "mali-budget-warehouse/0.1"
    return s


def _get(http: requests.Session, url: str, policy: HttpPolicy, feed: str, **kwargs) -> requests.Response:
    try:
        response = http.get(url, timeout=(policy.connect_timeout, policy.read_timeout), **kwargs)
    except requests.RequestException as exc:
        # The message names the host and the kind of failure, never headers (where the API key is).
        raise FeedError(f"{feed} injoignable après {policy.retries + 1} essais / unreachable after "
                        f"{policy.retries + 1} tries ({urlsplit(url).netloc}): {type(exc).__name__}") from None
    if response.status_code != 200:
        raise FeedError(f"{feed} a répondu {response.status_code} après {policy.retries + 1} essais / answered "
                        f"{response.status_code} after {policy.retries + 1} tries ({urlsplit(url).path})")
    return response


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


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60]


def fetch_fts_flows(inbox: Path, query: dict, base_url: str = FTS_URL, policy: HttpPolicy = HttpPolicy(),
                    today: dt.date | None = None) -> Path:
    """GET /v1/public/fts/flow with the query, following meta.nextLink; returns the inbox folder written."""
    http = session(policy)
    url = f"{base_url.rstrip('/')}/v1/public/fts/flow?{urlencode(query)}"
    pages: list[bytes] = []
    while url:
        if len(pages) >= MAX_PAGES:
            raise FeedError(f"FTS : plus de {MAX_PAGES} pages / more than {MAX_PAGES} pages")
        response = _get(http, url, policy, "FTS")
        try:
            body = response.json()
            body["data"]["flows"]
        except (ValueError, KeyError, TypeError):
            raise FeedError(f"FTS : page {len(pages) + 1} n'est pas une page de flux / is not a flow page") from None
        pages.append(response.content)
        url = (body.get("meta") or {}).get("nextLink")
    folder = f"fts/api_{_slug(urlencode(query))}_{(today or dt.date.today()).isoformat()}"
    return _publish(pages, inbox, folder, ".json")


def fetch_iati_activities(inbox: Path, query: str, api_key: str, base_url: str = IATI_DATASTORE_URL,
                          rows: int = 1000, policy: HttpPolicy = HttpPolicy(), today: dt.date | None = None) -> Path:
    """GET /activity/iati (IATI XML) page by page (start, rows) until a page comes back short."""
    http = session(policy)
    http.headers["Ocp-Apim-Subscription-Key"] = api_key
    pages: list[bytes] = []
    start = 0
    while True:
        if len(pages) >= MAX_PAGES:
            raise FeedError(f"IATI : plus de {MAX_PAGES} pages / more than {MAX_PAGES} pages")
        params = urlencode({"q": query, "rows": rows, "start": start})
        response = _get(http, f"{base_url.rstrip('/')}/activity/iati?{params}", policy, "Datastore IATI")
        found = response.content.count(b"<iati-activity ") + response.content.count(b"<iati-activity>")
        if found:
            pages.append(response.content)
        if found < rows:
            break
        start += rows
    if not pages:
        raise FeedError(f"Datastore IATI : aucune activité pour « {query} » / no activity for the query")
    folder = f"iati/api_{_slug(query)}_{(today or dt.date.today()).isoformat()}"
    return _publish(pages, inbox, folder, ".xml")
