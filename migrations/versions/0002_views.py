"""analyst views: events_v, mentions_v, place_control_v, feed_health_v, alerts_v (same names and columns on
Postgres and SQLite)

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VIEWS = {
    "events_v": """
        SELECT e.id AS event_id, e.kind, e.subtype, e.place_name, e.district, e.province, e.country,
               e.country_code, e.lat, e.lon, e.precision, e.actor, e.event_date, e.first_seen_at, e.last_seen_at,
               e.sources AS corroboration, e.mentions_count, e.confidence, e.status,
               m.evidence AS first_evidence, a.title AS first_title, a.url AS first_url, e.place_id
        FROM events e
        LEFT JOIN mentions m ON m.id = e.first_mention_id
        LEFT JOIN articles a ON a.id = m.article_id""",
    "mentions_v": """
        SELECT m.id AS mention_id, m.event_id, m.kind, m.subtype, m.place_name, m.place_as_written, m.district,
               m.province, m.country, m.lat, m.lon, m.actor, m.count, m.count_unit, m.count_text, m.claimant,
               m.event_date, m.evidence, m.rule, m.confidence, m.source, m.created_at,
               a.id AS article_id, a.title, a.url, a.published_at, f.name AS feed
        FROM mentions m
        JOIN articles a ON a.id = m.article_id
        LEFT JOIN feeds f ON f.id = a.feed_id""",
    "place_control_v": """
        SELECT place_id, place_name, district, province, country, lat, lon, holder, since, subtype AS by_subtype,
               event_id, corroboration
        FROM (
            SELECT e.place_id, e.place_name, e.district, e.province, e.country, e.lat, e.lon, e.actor AS holder,
                   e.event_date AS since, e.subtype, e.id AS event_id, e.sources AS corroboration,
                   ROW_NUMBER() OVER (PARTITION BY e.place_key
                                      ORDER BY e.event_date DESC, e.first_seen_at DESC, e.id DESC) AS rn
            FROM events e
            WHERE e.kind = 'territorial' AND e.subtype IN ('captured', 'retaken', 'handed_over')
              AND e.place_key <> '' AND e.event_date IS NOT NULL
        ) latest
        WHERE rn = 1""",
    "feed_health_v": """
        SELECT f.id AS feed_id, f.name, f.url, f.enabled,
               CASE WHEN f.consecutive_failures = 0 AND f.last_success_at IS NOT NULL THEN 'ok'
                    WHEN f.consecutive_failures = 0 THEN 'never fetched'
                    ELSE 'failing' END AS state,
               f.last_success_at, f.last_fetched_at, f.last_status, f.last_error, f.last_error_at,
               f.consecutive_failures, f.next_attempt_at, f.items_seen, f.parse_problem, f.failing_since
        FROM feeds f""",
    "alerts_v": """
        SELECT al.id AS alert_id, al.channel, al.kind AS alert_kind, al.status, al.attempts, al.last_error,
               al.created_at, al.sent_at, al.next_attempt_at, al.event_id, e.kind, e.subtype, e.place_name,
               e.province, e.country, al.feed_id
        FROM alerts al
        LEFT JOIN events e ON e.id = al.event_id""",
}


def upgrade() -> None:
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
