"""posture family: deployed, mobilised and alert are one clustering family

Reports of one build-up ("put its border troops on alert and called up 20,000 reservists") now join one event
(borderwatch/events.py, rule 1). Events stored before keep their subtype; their ``family`` becomes ``posture`` so
that later reports of the same build-up join them instead of opening a second alert.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_POSTURE = "('deployed', 'mobilised', 'alert')"


def upgrade() -> None:
    op.execute(f"UPDATE events SET family = 'posture' WHERE subtype IN {_POSTURE}")


def downgrade() -> None:
    op.execute(f"UPDATE events SET family = subtype WHERE subtype IN {_POSTURE}")
