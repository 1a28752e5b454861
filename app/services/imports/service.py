"""Importing members in bulk from a directory (an LMS roster, an intranet export).

Every row is checked before anything is written: first on its own (email, name, roles),
then against the database (who the person is, whether the domain has room, whether the
domain keeps a convenor). Then the rows that passed are written with a handful of
set-based statements per thousand rows, all in one transaction, with their membership
history, events, audit rows and webhook deliveries. Importing the same file again finds
nothing to change and writes nothing.

Who imports decides what a row does. A platform admin or an `admin` API key (the
organisation's own directory sync) makes people members at once. Anyone else (a
convenor, a `write` key) sends invitations: each row does what inviting that person
would, and the person joins only by accepting. Such an import matches people by email
alone and ignores `external_id` (it neither reads nor writes anyone's directory id), and
its report reads the same whether or not an address already has an account.

People are matched by `external_id` (the directory's own id), else by email, ignoring
case. Someone not found is created without a password and inactive: signing up with
that email later claims the record (see `people.register`). An existing person's profile
is theirs: an import never changes it, except (an admin's) to record a missing external id.

Deciding what each row does is `plan`; writing it, `apply`; reading the file and checking
rows on their own, `files`."""

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.services.access import DomainAccess, domain_access
from app.services.actors import Actor
from app.services.changes import bulk as bulk_events
from app.services.imports.apply import Log, apply_chunk
from app.services.imports.files import MAX_REPORTED_ERRORS, Outcome, RawRow, check_row
from app.services.imports.plan import Step, plan

CHUNK_ROWS = 1_000
Progress = Callable[[Outcome], Awaitable[None]]


class ImportRejected(Invalid):
    """An atomic import with at least one invalid row: nothing was written."""

    problem = "import-rejected"
    title = "Import rejected"

    def __init__(self, outcome: Outcome) -> None:
        ordered = sorted(outcome.errors, key=lambda e: e.row)
        super().__init__(
            f"{outcome.rejected} of {outcome.total} rows are invalid, and the import is "
            "atomic: nothing was imported.",
            errors=list[FieldError](ordered[:MAX_REPORTED_ERRORS]),
            extra={"total": outcome.total, "rejected": outcome.rejected},
        )
        self.outcome = outcome


async def manageable(
    session: AsyncSession, actor: Actor, slug: str, *, lock: bool = False
) -> DomainAccess:
    access = await domain_access(session, actor, slug, lock=lock)
    return access.require_manage().require_writable()


async def import_members(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    raw_rows: list[RawRow],
    *,
    atomic: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Check every row, then write the valid ones (none if `atomic` and any is invalid),
    and commit. `progress` hears after each chunk of rows."""
    access = await manageable(session, actor, slug, lock=True)
    outcome = Outcome(total=len(raw_rows))
    rows = [r for r in (check_row(raw, outcome) for raw in raw_rows) if r is not None]
    steps = await plan(session, access, rows, outcome)
    if atomic and outcome.errors:
        raise ImportRejected(outcome)
    position = 0
    log = Log()
    for start in range(0, len(raw_rows), CHUNK_ROWS):
        chunk = raw_rows[start : start + CHUNK_ROWS]
        last_row = chunk[-1].row
        chunk_steps: list[Step] = []
        while position < len(steps) and steps[position].row.row <= last_row:
            chunk_steps.append(steps[position])
            position += 1
        await apply_chunk(session, access, chunk_steps, outcome, log)
        outcome.processed += len(chunk)
        if progress is not None:
            await progress(outcome)
    await bulk_events.record_many(session, actor, access.domain.id, log.changes)
    # People are platform-wide: their audit rows (emails among them) are not the domain's,
    # so its convenors, who read the domain's log, do not learn which addresses were new.
    await bulk_events.record_many(session, actor, None, [], log.audit_only)
    await session.commit()
    return outcome
