"""What the community view reads, in SQL. Every query takes the domains and the window
(`since`, `until`, and `lo` and `hi` for the gatherings held); `STEADY` counts over the six
months before `until` instead."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.services.views.interactions import VISIBLE
from app.services.views.levels import HELD
from app.services.views.params import MONTH

TOPICAL_KINDS = ("story", "lesson", "question", "resource", "success", "challenge", "practice")
REPERTOIRE_KINDS = ("story", "lesson", "resource", "success", "challenge", "practice")
GROWTH_KINDS = ("story", "lesson", "resource", "practice")

_IDS = sa.bindparam("domains", type_=ARRAY(sa.Uuid()))
_THEMES = sa.bindparam("themes", type_=ARRAY(sa.String()))


def _q(sql: str, *binds: Any) -> Any:
    return sa.text(sql).bindparams(_IDS, *binds)


_SECONDS = int(MONTH.total_seconds())
_IN_WINDOW = "c.domain_id = ANY(:domains) AND c.created_at >= :since AND c.created_at < :until"

LABELS = _q(
    f"""
    SELECT label, count(*) FROM (
      SELECT DISTINCT c.id, lower(x) AS label
      FROM contributions c CROSS JOIN LATERAL unnest(c.themes || c.tags) AS x
      WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {TOPICAL_KINDS}
      UNION ALL
      SELECT g.id, lower(g.theme) FROM ({HELD}) h
      JOIN gatherings g ON g.id = h.id WHERE g.theme <> ''
    ) labels
    GROUP BY label
    """
)

TOPICAL = _q(
    f"""
    SELECT count(*), count(*) FILTER (WHERE c.themes && :themes)
    FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {TOPICAL_KINDS}
    """,
    _THEMES,
)

ACTIVE = _q(
    f"""
    SELECT c.author_id FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE}
    UNION
    SELECT e.person_id FROM endorsements e JOIN contributions c ON c.id = e.contribution_id
    WHERE c.domain_id = ANY(:domains) AND e.created_at >= :since AND e.created_at < :until
    UNION
    SELECT a.person_id FROM attendance a
    JOIN ({HELD}) h ON h.id = a.gathering_id
    """
)

GATHERINGS = _q(
    f"""
    SELECT h.id, h.start_at, h.host_ids,
           coalesce(array_agg(a.person_id) FILTER (WHERE a.person_id IS NOT NULL), '{{}}')
    FROM ({HELD}) h
    LEFT JOIN attendance a ON a.gathering_id = h.id
    GROUP BY h.id, h.start_at, h.host_ids
    ORDER BY h.start_at, h.id
    """
)

# Months with any activity, per person, up to the end of the window (for cohorts).
ACTIVITY_MONTHS = _q(
    """
    SELECT person_id, date_trunc('month', at AT TIME ZONE 'UTC')::date AS month FROM (
      SELECT c.author_id AS person_id, c.created_at AS at FROM contributions c
      WHERE c.domain_id = ANY(:domains) AND c.status <> 'draft' AND c.hidden_at IS NULL
        AND c.author_id IS NOT NULL AND c.created_at < :until
      UNION ALL
      SELECT e.person_id, e.created_at FROM endorsements e
      JOIN contributions c ON c.id = e.contribution_id
      WHERE c.domain_id = ANY(:domains) AND e.created_at < :until
      UNION ALL
      SELECT a.person_id, g.start_at FROM attendance a JOIN gatherings g ON g.id = a.gathering_id
      WHERE g.domain_id = ANY(:domains) AND g.status <> 'cancelled'
        AND g.start_at < :until AND g.start_at <= now()
    ) activity
    GROUP BY 1, 2
    """
)

# Of the six 30-day months before `until`, how many each person was active in.
STEADY = _q(
    f"""
    SELECT person_id, count(DISTINCT floor(extract(epoch FROM at - :lo) / {_SECONDS}))
    FROM (
      SELECT c.author_id AS person_id, c.created_at AS at FROM contributions c
      WHERE c.domain_id = ANY(:domains) AND {VISIBLE} AND c.author_id IS NOT NULL
        AND c.created_at >= :lo AND c.created_at < :hi
      UNION ALL
      SELECT e.person_id, e.created_at FROM endorsements e
      JOIN contributions c ON c.id = e.contribution_id
      WHERE c.domain_id = ANY(:domains) AND e.created_at >= :lo AND e.created_at < :hi
      UNION ALL
      SELECT a.person_id, h.start_at FROM attendance a JOIN ({HELD}) h ON h.id = a.gathering_id
    ) activity
    GROUP BY 1
    """
)

CONTRIBUTORS = _q(
    f"""
    SELECT c.author_id, count(*) FROM contributions c
    WHERE {_IN_WINDOW} AND {VISIBLE} AND c.author_id IS NOT NULL
    GROUP BY 1
    """
)

CONVENORS = _q(
    """
    SELECT m.person_id, m.status, m.roles, m.joined_at, m.created_at,
           coalesce(
             array_agg(ARRAY[e.at::text, e.status, array_to_string(e.roles, ',')]
                       ORDER BY e.at, e.id) FILTER (WHERE e.id IS NOT NULL),
             '{}')
    FROM memberships m LEFT JOIN membership_events e ON e.membership_id = m.id
    WHERE m.domain_id = ANY(:domains)
    GROUP BY m.id
    """
)

GROWTH = _q(
    f"""
    SELECT date_trunc('month', c.created_at AT TIME ZONE 'UTC')::date, c.kind, count(*)
    FROM contributions c
    WHERE c.domain_id = ANY(:domains) AND {VISIBLE} AND c.kind IN {GROWTH_KINDS}
      AND c.created_at < :until
    GROUP BY 1, 2
    """
)

REPERTOIRE = _q(
    f"""
    SELECT count(*),
           count(*) FILTER (WHERE c.curated_at IS NOT NULL AND c.curated_at < :until),
           count(*) FILTER (WHERE EXISTS (
             SELECT 1 FROM endorsements e
             WHERE e.contribution_id = c.id AND e.kind = 'applied'
               AND e.person_id IS DISTINCT FROM c.author_id AND e.created_at < :until))
    FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {REPERTOIRE_KINDS}
    """
)

QUESTIONS = _q(
    f"""
    SELECT c.created_at,
           min(a.created_at) FILTER (WHERE a.author_id IS DISTINCT FROM c.author_id
                                     AND a.author_id IS NOT NULL),
           count(a.id)
    FROM contributions c
    LEFT JOIN contributions a ON a.parent_id = c.id AND a.kind = 'answer'
      AND a.status <> 'draft' AND a.hidden_at IS NULL AND a.created_at < :until
    WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind = 'question'
    GROUP BY c.id, c.created_at
    """
)

VALUE_STORIES = _q(
    """
    SELECT v.cycle, count(*) FROM value_stories v
    WHERE v.domain_id = ANY(:domains) AND v.created_at >= :since AND v.created_at < :until
    GROUP BY 1
    """
)
