"""`borderwatch demo`: the real pipeline over the bundled world; the second pass finds nothing and sends nothing."""

import pytest
from sqlalchemy import select

from borderwatch.demo.runner import run_demo
from models.db import Database
from models.schema import Event
from tests.conftest import free_port


@pytest.mark.usefixtures("prefect_harness")
def test_demo_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = run_demo(port=port, database_url=db_url, fresh=True)
    assert first["feeds_fetched"] == 5 and first["feeds_failed"] == 0
    assert first["articles_stored"] == 20  # 23 feed items, 20 distinct articles after URL canonicalisation
    assert first["articles_flagged"] >= 12
    assert first["alerts_sent"] >= 5 and first["alerts_failed"] == 0
    assert len(first["delivered"]) == first["alerts_sent"]
    sink = (tmp_path / "borderwatch" / "demo-alerts.jsonl").read_text()
    assert sink.count("\n") == first["alerts_sent"]

    db = Database(db_url)
    with db.session() as s:
        events = list(s.scalars(select(Event)))
    db.dispose()
    subtypes = {(e.kind, e.subtype) for e in events}
    assert ("territorial", "captured") in subtypes and ("territorial", "retaken") in subtypes
    assert ("troop_movement", "crossed_border") in subtypes and ("troop_movement", "returned") in subtypes
    places = {e.place_name for e in events if e.kind == "territorial"}
    assert "Wakhan" in places

    second = run_demo(port=port, database_url=db_url)
    assert second["entries_new"] == 0 and second["articles_stored"] == 0
    assert second["alerts_queued"] == 0 and second["alerts_sent"] == 0 and second["delivered"] == []
    assert second["feeds_not_modified"] == 5
    assert first["events_corroborated"] >= 3  # outlets on their own addresses: distinct sources
