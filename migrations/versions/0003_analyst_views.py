"""analyst views v2: portable age/week columns, claimed-count ranges, control timeline with previous holder,
alerts with their key and feed

Same view names and column names on Postgres and SQLite, so the README's SQL runs unchanged on both:
``age_days`` (whole days since first seen) and ``event_week`` (Monday of the event's week, 'YYYY-MM-DD' text)
hide the two dialects' date arithmetic. New view ``control_timeline_v``.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Dialect-specific expressions, same meaning and type (integer / 'YYYY-MM-DD' text) on both.
EXPR = {
    "postgresql": {
        "age_days": lambda col: f"CAST(FLOOR(EXTRACT(EPOCH FROM (now() - {col})) / 86400) AS integer)",
        "week": lambda col: f"to_char(date_trunc('week', {col}), 'YYYY-MM-DD')",
    },
    "sqlite": {
        "age_days": lambda col: f"CAST(julianday('now') - julianday({col}) AS integer)",
        "week": lambda col: f"date({col}, 'weekday 0', '-6 days')",
    },
}

CONTROL_SUBTYPES = "('captured', 'retaken', 'handed_over', 'control_claim')"


def views(dialect: str) -> dict[str, str]:
    x = EXPR["postgresql" if dialect == "postgresql" else "sqlite"]
    return {
        "events_v": f"""
        SELECT e.id AS event_id, e.kind, e.subtype, e.place_name, e.district, e.province, e.country,
               e.country_code, e.lat, e.lon, e.precision, e.actor, e.event_date, e.first_seen_at, e.last_seen_at,
               e.sources AS corroboration, e.mentions_count, e.confidence, e.status,
               m.evidence AS first_evidence, a.title AS first_title, a.url AS first_url, e.place_id,
               e.place_key,
               {x['age_days']('e.first_seen_at')} AS age_days,
               {x['week']('e.event_date')} AS event_week,
               (SELECT min(mc.count) FROM mentions mc WHERE mc.event_id = e.id) AS count_low,
               (SELECT max(mc.count) FROM mentions mc WHERE mc.event_id = e.id) AS count_high
        FROM events e
        LEFT JOIN mentions m ON m.id = e.first_mention_id
        LEFT JOIN articles a ON a.id = m.article_id""",
        "mentions_v": f"""
        SELECT m.id AS mention_id, m.event_id, m.kind, m.subtype, m.place_name, m.place_as_written, m.district,
               m.province, m.country, m.lat, m.lon, m.actor, m.count, m.count_unit, m.count_text, m.claimant,
               m.event_date, m.evidence, m.rule, m.confidence, m.source, m.created_at,
               a.id AS article_id, a.title, a.url, a.published_at, f.name AS feed,
               m.country_code, {x['age_days']('m.created_at')} AS age_days
        FROM mentions m
        JOIN articles a ON a.id = m.article_id
        LEFT JOIN feeds f ON f.id = a.feed_id""",
        "control_timeline_v": f"""
        SELECT e.place_key, e.place_id, e.place_name, e.district, e.province, e.country, e.lat, e.lon,
               e.event_date, e.subtype, e.actor AS holder,
               LAG(e.actor) OVER (PARTITION BY e.place_key
                                  ORDER BY e.event_date, e.first_seen_at, e.id) AS previous_holder,
               e.id AS event_id, e.sources AS corroboration, e.first_seen_at
        FROM events e
        WHERE e.kind = 'territorial' AND e.subtype IN {CONTROL_SUBTYPES}
          AND e.place_key <> '' AND e.event_date IS NOT NULL""",
        "place_control_v": """
        SELECT place_id, place_name, district, province, country, lat, lon, holder, since, subtype AS by_subtype,
               event_id, corroboration, place_key, previous_holder, control_events, first_seen_at
        FROM (
            SELECT t.place_id, t.place_name, t.district, t.province, t.country, t.lat, t.lon, t.holder,
                   t.event_date AS since, t.subtype, t.event_id, t.corroboration, t.place_key, t.previous_holder,
                   t.first_seen_at,
                   COUNT(*) OVER (PARTITION BY t.place_key) AS control_events,
                   ROW_NUMBER() OVER (PARTITION BY t.place_key
                                      ORDER BY t.event_date DESC, t.first_seen_at DESC, t.event_id DESC) AS rn
            FROM control_timeline_v t
        ) latest
        WHERE rn = 1""",
        "feed_health_v": f"""
        SELECT f.id AS feed_id, f.name, f.url, f.enabled,
               CASE WHEN f.consecutive_failures = 0 AND f.last_success_at IS NOT NULL THEN 'ok'
                    WHEN f.consecutive_failures = 0 THEN 'never fetched'
                    ELSE 'failing' END AS state,
               f.last_success_at, f.last_fetched_at, f.last_status, f.last_error, f.last_error_at,
               f.consecutive_failures, f.next_attempt_at, f.items_seen, f.parse_problem, f.failing_since,
               {x['age_days']('f.failing_since')} AS failing_days
        FROM feeds f""",
        "alerts_v": """
        SELECT al.id AS alert_id, al.channel, al.kind AS alert_kind, al.status, al.attempts, al.last_error,
               al.created_at, al.sent_at, al.next_attempt_at, al.event_id, e.kind, e.subtype, e.place_name,
               e.province, e.country, al.feed_id, al.key, f.name AS feed_name, al.lease_until
        FROM alerts al
        LEFT JOIN events e ON e.id = al.event_id
        LEFT JOIN feeds f ON f.id = al.feed_id""",
    }


# The 0002 definitions, restored on downgrade (0002 itself is never edited).
VIEWS_0002 = {
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

DROP_ORDER = ["place_control_v", "control_timeline_v", "events_v", "mentions_v", "feed_health_v", "alerts_v"]


def upgrade() -> None:
    for name in DROP_ORDER:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, body in views(op.get_bind().dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in DROP_ORDER:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, body in VIEWS_0002.items():
        op.execute(f"CREATE VIEW {name} AS {body}")
