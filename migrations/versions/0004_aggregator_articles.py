"""articles from news-search feeds: publisher, source site, via (google | bing), story key

An item of a Google News or Bing News feed is another outlet's article: ``publisher`` (its name), ``source``
(its site, never the aggregator), ``via`` (the aggregator) and ``story_key`` (publisher site + normalised title,
hashed) that makes the same story through an aggregator and through the outlet's own feed one article.
``fetch_status`` gains the value 'headline_only' (no new column: the status column already says it).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


COLUMNS = [("publisher", sa.Text()), ("source", sa.Text()), ("via", sa.String(length=16)),
           ("story_key", sa.String(length=40))]


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("articles", sa.Column(name, type_, nullable=True))
    op.create_index("ix_articles_story_key", "articles", ["story_key"])


def downgrade() -> None:
    op.drop_index("ix_articles_story_key", table_name="articles")
    for name, _type in reversed(COLUMNS):
        # plain DROP COLUMN (SQLite >= 3.35): a batch copy of the table would break the views that read it
        op.execute(f"ALTER TABLE articles DROP COLUMN {name}")
