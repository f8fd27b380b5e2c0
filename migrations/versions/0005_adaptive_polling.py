"""adaptive polling: each feed's interval and its RSS <ttl>; feed_health_v shows them

``feeds.poll_interval`` (seconds) is how often the feed is polled now, from how often it publishes
(borderwatch.polling); ``feeds.next_attempt_at`` keeps its meaning, the next poll (after a success as after a
failure); ``feeds.ttl`` (seconds) is the feed's own <ttl>, kept for the 304 answers that do not repeat it.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AGE_DAYS = {
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM (now() - f.failing_since)) / 86400) AS integer)",
    "sqlite": "CAST(julianday('now') - julianday(f.failing_since) AS integer)",
}
FEED_HEALTH = """
        SELECT f.id AS feed_id, f.name, f.url, f.enabled,
               CASE WHEN f.consecutive_failures = 0 AND f.last_success_at IS NOT NULL THEN 'ok'
                    WHEN f.consecutive_failures = 0 THEN 'never fetched'
                    ELSE 'failing' END AS state,
               f.last_success_at, f.last_fetched_at, f.last_status, f.last_error, f.last_error_at,
               f.consecutive_failures, f.next_attempt_at, f.items_seen, f.parse_problem, f.failing_since,
               {age_days} AS failing_days{more}
        FROM feeds f"""


def _view(more: str) -> str:
    dialect = "postgresql" if op.get_bind().dialect.name == "postgresql" else "sqlite"
    return FEED_HEALTH.format(age_days=AGE_DAYS[dialect], more=more)


def upgrade() -> None:
    op.add_column("feeds", sa.Column("poll_interval", sa.Float(), nullable=True))
    op.add_column("feeds", sa.Column("ttl", sa.Float(), nullable=True))
    op.execute("DROP VIEW IF EXISTS feed_health_v")
    op.execute("CREATE VIEW feed_health_v AS " + _view(",\n               f.poll_interval, f.ttl"))


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS feed_health_v")
    op.execute("CREATE VIEW feed_health_v AS " + _view(""))  # as 0003 made it
    for name in ("ttl", "poll_interval"):
        op.execute(f"ALTER TABLE feeds DROP COLUMN {name}")
