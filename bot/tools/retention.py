"""Delete conversations older than N days from the tracker store: `python -m bot.tools.retention --days 90`.

A conversation is deleted when its last event is older than the cut-off (an ongoing conversation is
kept whole). Safe to run from cron: one transaction, nothing else touched, prints what it deleted,
exits 0 when there was nothing to delete. The store is an SQLAlchemy URL (default: the SQLite file
of endpoints.yml, or TRACKER_DB_URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]


def delete_older_than(db_url: str, days: int, now: Optional[dt.datetime] = None) -> tuple[int, int]:
    """Delete conversations idle for more than `days`; returns (conversations, events) deleted."""
    import sqlalchemy as sa

    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = ((now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)).timestamp()
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return 0, 0
            old = [
                row[0]
                for row in connection.execute(
                    sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                    {"cutoff": cutoff},
                )
            ]
            events = 0
            for start in range(0, len(old), 500):
                batch = old[start : start + 500]
                statement = sa.text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
                    sa.bindparam("senders", expanding=True)
                )
                events += connection.execute(statement, {"senders": batch}).rowcount or 0
            from bot.handover.store import forget

            forget(connection, old, cutoff)  # their hand-overs and staff replies, and older feedback
        return len(old), events
    finally:
        engine.dispose()


def main(argv: Optional[list[str]] = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, required=True, help="keep conversations active in the last N days")
    parser.add_argument("--db", default=os.environ.get("TRACKER_DB_URL") or f"sqlite:///{ROOT / 'var' / 'rasa.db'}")
    args = parser.parse_args(argv)
    conversations, events = delete_older_than(args.db, args.days)
    print(f"deleted {conversations} conversation(s), {events} event(s) older than {args.days} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
