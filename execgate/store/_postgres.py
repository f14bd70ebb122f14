"""The PostgreSQL backend (psycopg 3, the ``postgres`` extra).

URL: ``postgresql://user:password@host:port/dbname?...`` — passed to libpq as is, so its
parameters work (``connect_timeout``, ``options=-csearch_path%3Dmyschema``, ``sslmode``). The
password never appears in errors or logs (see ``redact_url``).

Several supervisor processes may share one database: each writes its own hash chain, event
ids are unique, and migrations take a transaction-scoped advisory lock so concurrent openers
migrate once. A connection the server dropped is replaced on the next call; the batch that hit
the drop fails (for a decision: nothing runs).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import StoreUnavailable
from ._sql import SqlStore

#: Arbitrary, stable key for pg_advisory_xact_lock: "execgate" in ASCII, as an int64.
_MIGRATION_LOCK = 0x6578656367617465
#: Serialises chain starts (reading the newest chain, linking to it): "egchains".
_CHAIN_START_LOCK = 0x6567636861696E73


class PostgresStore(SqlStore):
    backend: ClassVar[str] = "postgresql"
    param: ClassVar[str] = "%s"

    def _connect(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise StoreUnavailable(
                "the PostgreSQL store needs psycopg: pip install 'execgate[postgres]'"
            ) from None
        try:
            return psycopg.connect(self.url.raw, autocommit=False)
        except psycopg.Error as exc:
            # libpq's messages name host, port and user, never the password.
            raise StoreUnavailable(
                f"{self.url.redacted}: cannot connect ({str(exc).strip()})"
            ) from None

    def _begin(self, cur: Any) -> None:
        pass  # psycopg opens a transaction on the first statement (autocommit off)

    _claim_lock: ClassVar[str] = " FOR UPDATE SKIP LOCKED"
    _row_lock: ClassVar[str] = " FOR UPDATE"

    def _db_now(self, cur: Any) -> float:
        # one clock for every host of the fleet: leases do not depend on clock skew
        cur.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())")
        return float(cur.fetchone()[0])

    def _migration_lock(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    def _chain_start_lock(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_CHAIN_START_LOCK,))

    def _reconnect_if_broken(self) -> None:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._close_quietly()
            self._conn = self._connect()
