"""Member imports, small and large: a small file is imported during the request; a large
one becomes a job that runs in the background of the API process while the client polls
`GET /api/v1/jobs/{id}`.

The job row is committed apart from the import (which is one transaction, committed at
its end), so its progress is visible while the import runs. A job lives in the process
that started it: if the process stops, the import's transaction rolls back and the job
is marked failed (at shutdown, at the next start, or when it is next read and its
heartbeat has gone quiet)."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, session_scope
from app.errors import DomainError, NotFound
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.imports import (
    UNFINISHED,
    ImportJob,
    ImportJobKind,
    ImportJobStatus,
    ImportReport,
)
from app.services.access import domain_access
from app.services.actors import Actor
from app.services.imports import files as import_files
from app.services.imports import service as imports
from app.services.imports.files import Outcome, RawRow
from app.services.imports.plan import adds_members
from app.services.imports.service import ImportRejected

log = logging.getLogger("cop_api.imports")

SYNC_MAX_ROWS = 1_000
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=30)
STOPPED = (
    "The service stopped while the import ran, so none of it was saved. Import the file again."
)
J = ImportJobStatus


class JobRunner:
    """The import tasks running in this process."""

    def __init__(self) -> None:
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, job_id: uuid.UUID, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=f"import-job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    async def wait(self) -> None:
        """Until every job started so far has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def shutdown(self, sessionmaker: SessionMaker) -> None:
        ids = list(self._tasks)
        for task in list(self._tasks.values()):
            task.cancel()
        await self.wait()
        if ids:
            await _fail_unfinished(sessionmaker, col(ImportJob.id).in_(ids))


@contextlib.asynccontextmanager
async def running(runner: JobRunner, sessionmaker: SessionMaker) -> AsyncIterator[None]:
    """For the API process's lifetime: jobs left unfinished by an earlier process fail at
    start; jobs still running at shutdown are stopped and fail."""
    try:
        await _fail_unfinished(sessionmaker, col(ImportJob.heartbeat_at) < utcnow() - STALE_AFTER)
    except (OSError, DBAPIError) as exc:
        # The API starts without its database (/readyz says 503 meanwhile); a stale job is
        # also failed when it is next read.
        log.warning("could not fail unfinished import jobs at start: %s", exc)
    try:
        yield
    finally:
        await runner.shutdown(sessionmaker)


async def _fail_unfinished(sessionmaker: SessionMaker, condition: Any) -> None:
    async with session_scope(sessionmaker) as session:
        now = utcnow()
        await session.exec(
            update(ImportJob)
            .where(col(ImportJob.status).in_(UNFINISHED), condition)
            .values(status=J.failed, detail=STOPPED, finished_at=now, heartbeat_at=now)
        )
        await session.commit()


def _report(outcome: Outcome, **fields: Any) -> dict[str, Any]:
    return {
        "total": outcome.total,
        "processed": outcome.processed,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "rejected": outcome.rejected,
        "people_created": outcome.people_created,
        "invited": outcome.invited,
        "errors": outcome.reported_errors(),
        **fields,
    }


async def submit(
    session: AsyncSession,
    sessionmaker: SessionMaker,
    runner: JobRunner,
    actor: Actor,
    slug: str,
    body: bytes,
    content_type: str | None,
    *,
    atomic: bool,
) -> tuple[ImportReport, bool]:
    """Import now (small files) or start a job (large ones); True if a job was started."""
    access = await imports.manageable(session, actor, slug)
    raw = import_files.parse(body, content_type)
    invites = not adds_members(actor)
    if len(raw) <= SYNC_MAX_ROWS:
        started = utcnow()
        outcome = await imports.import_members(session, actor, slug, raw, atomic=atomic)
        report = ImportReport.model_validate(
            _report(
                outcome,
                id=None,
                kind=ImportJobKind.members,
                domain_id=access.domain.id,
                status=J.succeeded,
                atomic=atomic,
                invites=invites,
                detail="",
                created_at=started,
                started_at=started,
                finished_at=utcnow(),
            )
        )
        return shown_to(actor, report), False
    job = ImportJob(
        kind=ImportJobKind.members,
        domain_id=access.domain.id,
        actor_person_id=actor.person_id,
        actor_api_key_id=actor.api_key_id,
        atomic=atomic,
        invites=invites,
        total=len(raw),
    )
    session.add(job)
    await session.commit()
    runner.start(job.id, run(sessionmaker, job.id, actor, slug, raw, atomic=atomic))
    return shown_to(actor, ImportReport.model_validate(job)), True


def shown_to(actor: Actor, report: ImportReport) -> ImportReport:
    """How many people an import created tells which addresses had no account: only
    platform admins and `admin` keys learn it."""
    if actor.can_admin:
        return report
    return report.model_copy(update={"people_created": None})


async def _update(sessionmaker: SessionMaker, job_id: uuid.UUID, **values: Any) -> None:
    async with session_scope(sessionmaker) as session:
        await session.exec(
            update(ImportJob)
            .where(col(ImportJob.id) == job_id)
            .values(heartbeat_at=utcnow(), **values)
        )
        await session.commit()


async def _heartbeat(sessionmaker: SessionMaker, job_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await _update(sessionmaker, job_id)
        except Exception:  # the next beat tries again; a silent job is failed when read
            log.warning("import job %s: heartbeat failed", job_id, exc_info=True)


async def run(
    sessionmaker: SessionMaker,
    job_id: uuid.UUID,
    actor: Actor,
    slug: str,
    raw: list[RawRow],
    *,
    atomic: bool,
) -> None:
    """The job: the import in a session of its own, and its progress on the job row."""
    await _update(sessionmaker, job_id, status=J.running, started_at=utcnow())
    beat = asyncio.create_task(_heartbeat(sessionmaker, job_id))

    async def progress(outcome: Outcome) -> None:
        await _update(sessionmaker, job_id, **_report(outcome))

    try:
        async with session_scope(sessionmaker) as session:
            outcome = await imports.import_members(
                session, actor, slug, raw, atomic=atomic, progress=progress
            )
    except ImportRejected as exc:
        exc.outcome.processed = exc.outcome.total
        fields = _report(exc.outcome, status=J.failed, detail=exc.detail)
        await _update(sessionmaker, job_id, finished_at=utcnow(), **fields)
    except DomainError as exc:
        await _update(
            sessionmaker, job_id, status=J.failed, detail=exc.detail, finished_at=utcnow()
        )
    except Exception:
        log.exception("import job %s failed", job_id)
        await _update(
            sessionmaker,
            job_id,
            status=J.failed,
            detail="The import failed on our side; nothing was saved. It was logged.",
            finished_at=utcnow(),
        )
    else:
        fields = _report(outcome, status=J.succeeded, finished_at=utcnow())
        await _update(sessionmaker, job_id, **fields)
    finally:
        beat.cancel()


async def get_job(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> ImportJob:
    """The caller's own jobs; admins see every job, convenors their domains' jobs."""
    actor.require_authenticated()
    job = await session.get(ImportJob, job_id)
    if job is None or not await _may_see(session, actor, job):
        raise NotFound("No such job.")
    if job.status in UNFINISHED and job.heartbeat_at < utcnow() - STALE_AFTER:
        job.status, job.detail, job.finished_at = J.failed, STOPPED, utcnow()
        session.add(job)
        await session.commit()
    return job


async def get_report(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> ImportReport:
    return shown_to(actor, ImportReport.model_validate(await get_job(session, actor, job_id)))


async def _may_see(session: AsyncSession, actor: Actor, job: ImportJob) -> bool:
    """Admins, whoever started the job, and the domain's convenors if the job only sent
    invitations: an admin's import (its row errors name people) stays with admins."""
    if actor.can_admin:
        return True
    if job.actor_person_id is not None and job.actor_person_id == actor.person_id:
        return True
    if job.actor_api_key_id is not None and job.actor_api_key_id == actor.api_key_id:
        return True
    if not job.invites:
        return False
    domain = await session.get(Domain, job.domain_id) if job.domain_id else None
    if domain is None:
        return False
    try:
        return (await domain_access(session, actor, domain.slug)).can_manage
    except NotFound:
        return False
