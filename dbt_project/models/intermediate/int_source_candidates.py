"""Grain: one row per candidate pair of int_source_candidate_pairs scoring at least var('candidate_min_score'): tier 3
of fct_source_matches, for a person to confirm or refuse, never applied alone.

Scored with rapidfuzz, not by hand: the similarity of the two texts (titles, descriptions: token set ratio, which
lets one text hold the other's words in any order) weighs 0.7; each organisation 0.15, whole when the registry
resolves both records to it, else the similarity of the names as written."""

import pyarrow as pa
from rapidfuzz import fuzz, utils
from rapidfuzz.process import cpdist

TEXT_WEIGHT, ORGANISATION_WEIGHT = 0.7, 0.15


def _similarity(left, right):
    """Token set ratio of each pair of texts, 0 to 1 (0 when either is missing)."""
    left = [text or "" for text in left]
    right = [text or "" for text in right]
    return cpdist(left, right, scorer=fuzz.token_set_ratio, processor=utils.default_process, workers=1) / 100


def _shared_words(left, right):
    """The words of 4 letters or more both texts hold: what a person reads as the evidence."""
    words = [set(utils.default_process(text or "").split()) for text in (left, right)]
    return " ".join(sorted(word for word in words[0] & words[1] if len(word) >= 4))


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_source_candidate_pairs").arrow().read_all().to_pydict()
    text = _similarity(pairs["record_text_a"], pairs["record_text_b"])
    organisations = {}
    for role in ("donor", "recipient"):
        names = _similarity(pairs[f"{role}_org_name_a"], pairs[f"{role}_org_name_b"])
        organisations[role] = [
            1.0 if same else float(name) for same, name in zip(pairs[f"same_{role}"], names, strict=True)
        ]
    scores = [
        TEXT_WEIGHT * float(t) + ORGANISATION_WEIGHT * (donor + recipient)
        for t, donor, recipient in zip(text, organisations["donor"], organisations["recipient"], strict=True)
    ]
    keep = [i for i, score in enumerate(scores) if score >= float(dbt.config.get("candidate_min_score"))]

    def evidence(i):
        parts = [f"text {text[i]:.0%}"] + [
            f"{role} {'same' if pairs[f'same_{role}'][i] else format(organisations[role][i], '.0%')}"
            for role in ("donor", "recipient")
        ]
        words = _shared_words(pairs["record_text_a"][i], pairs["record_text_b"][i])
        return ", ".join(parts) + (f"; shared words: {words}" if words else "")

    columns = ("source_system_a", "record_key_a", "source_system_b", "record_key_b")
    return pa.table(
        {column: pa.array([pairs[column][i] for i in keep], pa.string()) for column in columns}
        | {
            "score": pa.array([scores[i] for i in keep], pa.float64()),
            "evidence": pa.array([evidence(i) for i in keep], pa.string()),
        }
    )
