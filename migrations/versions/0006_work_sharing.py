"""work sharing: a pass claims the feeds it polls and the pages it fetches, with a lease

``feeds.host`` (the feed's origin, for claiming a host's feeds together: two passes never poll one host at the
same time), ``feeds.lease_until`` / ``feeds.leased_by`` (the pass polling it, until its outcome is recorded, or
the lease runs out: a crashed pass's feeds are taken over); table ``page_claims`` (a page being fetched by a
pass, until it is stored or the lease runs out).

Revision ID: 0006
Revises: 0005
"""
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()[:300]
    except ValueError:
        return ""


def upgrade() -> None:
    op.add_column("feeds", sa.Column("host", sa.String(length=300), nullable=True))
    op.add_column("feeds", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("feeds", sa.Column("leased_by", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    feeds = sa.table("feeds", sa.column("id", sa.Integer), sa.column("url", sa.Text), sa.column("host", sa.String))
    for feed_id, url in bind.execute(sa.select(feeds.c.id, feeds.c.url)).all():
        bind.execute(feeds.update().where(feeds.c.id == feed_id).values(host=host_of(url)))
    op.create_index("ix_feeds_due", "feeds", ["next_attempt_at"])
    op.create_table(
        "page_claims",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_page_claims"),
    )


def downgrade() -> None:
    op.drop_table("page_claims")
    op.drop_index("ix_feeds_due", table_name="feeds")
    for name in ("leased_by", "lease_until", "host"):
        op.execute(f"ALTER TABLE feeds DROP COLUMN {name}")
