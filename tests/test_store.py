"""The storage API on SQLite: migrations, durable batches, URL handling."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from execgate import Event, StoreInvalid, StoreUnavailable, open_store
from execgate.store import parse_store_url, redact_url


def ev(i: int, **kw: object) -> Event:
    return Event(
        event_id=f"e{i}",
        ts=time.time(),
        kind="decision",
        actor="gatekeeper",
        job_id=f"j{i % 3}",
        argv=("ls", str(i)),
        **kw,
    )  # type: ignore[arg-type]


def test_append_and_query_round_trip(tmp_path: Path) -> None:
    st = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    st.append([ev(i, timed_out=i % 2 == 0) for i in range(10)])
    got = st.query(limit=100)
    assert [e.event_id for e in got] == [f"e{i}" for i in range(10)]
    assert got[2].argv == ("ls", "2") and got[2].timed_out is True
    assert [e.event_id for e in st.query(limit=100, job_id="j1")] == ["e1", "e4", "e7"]
    assert [e.event_id for e in st.query(limit=2)] == ["e8", "e9"]
    st.close()
    # durable: a fresh connection sees every row
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 10
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_are_idempotent_and_versioned(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    open_store(url).close()
    open_store(url).close()
    db = sqlite3.connect(tmp_path / "m.db")
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    db.execute("INSERT INTO schema_version VALUES (99)")
    db.commit()
    db.close()
    with pytest.raises(StoreUnavailable, match="newer"):
        open_store(url)


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    from execgate import RecorderUnavailable

    st = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    st.append([ev(1)])
    with pytest.raises(RecorderUnavailable):
        st.append([ev(2), ev(1)])  # duplicate id: the whole batch rolls back
    assert [e.event_id for e in st.query()] == ["e1"]
    st.close()


def test_urls() -> None:
    assert parse_store_url("sqlite:////abs/x.db").path == "/abs/x.db"
    assert parse_store_url("sqlite:///rel/x.db").path.endswith("/rel/x.db")
    with pytest.raises(StoreInvalid):
        parse_store_url("mysql://u:p@h/db")
    with pytest.raises(StoreInvalid) as exc:
        parse_store_url("redis://user:hunter2@host/0")
    assert "hunter2" not in str(exc.value)
    assert redact_url("postgresql://u:pw@h:5432/d") == "postgresql://u:***@h:5432/d"
