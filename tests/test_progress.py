"""The night's progress (warehouse/progress.py): each step said as it starts and ends, and a long step's progress,
files done of files seen and dbt nodes done of nodes, as they happen."""

from __future__ import annotations

import datetime as dt
import re

from warehouse import nightly, progress


def test_each_step_says_its_start_its_end_and_how_far_it_is(paths, monkeypatch):
    said = []
    monkeypatch.setattr(progress, "_printers", [said.append])
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 0.0)  # every step long: each file and node said
    ingested = nightly.ingest(paths, "night-1", dt.date(2026, 11, 22))
    nightly.build(ingested["candidate"], dt.date(2026, 11, 22), "night-1")

    files = ingested["files_seen"]
    assert said[0] == "▶ ingest_inbox"
    assert [line for line in said if line.startswith("  ingest_inbox")] == [
        f"  ingest_inbox : {done} / {files} fichiers / files" for done in range(1, files)
    ]
    assert re.fullmatch(
        rf"✔ ingest_inbox \d+\.\d s : {files} fichiers vus / files seen: {files} chargés.*", said[files]
    )
    nodes = [re.fullmatch(r"  dbt_build : (\d+) / (\d+) nœuds dbt / dbt nodes", line) for line in said]
    done = [(int(n[1]), int(n[2])) for n in nodes if n]
    [end] = [line for line in said if line.startswith("✔ dbt_build")]
    models, tests = (int(n) for n in re.search(r": (\d+) modèles construits .*, (\d+) tests", end).groups())
    # Nodes done counted as dbt says each one is (in any order its threads finish), out of the nodes dbt numbers.
    assert [d for d, _ in done] == list(range(1, len(done) + 1))
    assert models + tests - 1 <= len(done) < done[0][1] and {t for _, t in done} == {done[0][1]}


def test_a_run_s_note_is_the_end_lines_of_its_steps_cut_to_what_airflow_s_api_takes():
    """Each Airflow task keeps the end lines said while it ran (not the start lines, nor another task's), and the
    run's note joins them, each line cut short when together they would pass the 1 000 characters of the API."""
    from warehouse import progress

    progress.say("✔ before 0.1 s : another task's")
    with progress.ends_said() as ended:
        progress.say("▶ dbt_build")
        progress.say("  dbt_build : 3 / 9 nœuds dbt / dbt nodes")
        progress.say("✔ dbt_build 2.0 s : 9 modèles construits / models built")
        progress.say("✘ quality_gate 0.5 s : échec / failed (QualityGateFailed)")
    progress.say("✔ after 0.1 s : another task's")
    assert ended == [
        "✔ dbt_build 2.0 s : 9 modèles construits / models built",
        "✘ quality_gate 0.5 s : échec / failed (QualityGateFailed)",
    ]
    assert progress.as_note(ended) == "\n".join(ended)
    long = [f"✔ step_{n} 1.0 s : " + "fichier rejeté / file rejected, " * 20 for n in range(7)]
    note = progress.as_note(long)
    assert len(note) <= progress.NOTE_LIMIT and len(note.splitlines()) == 7
    assert [line.split()[1] for line in note.splitlines()] == [f"step_{n}" for n in range(7)]
    assert all(line.endswith("…") for line in note.splitlines())
