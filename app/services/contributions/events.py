"""Events for the shared repertoire: contributions, endorsements and value stories.

A draft is its author's alone (not even convenors read it), so a change to a draft is
audited but emits no event: an event's payload would carry the draft to subscribers.
A contribution's `contribution.created` is emitted when it becomes visible (created
published, or a draft published later)."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    Contribution,
    ContributionPublic,
    ContributionStatus,
    Endorsement,
    EndorsementPublic,
    ValueStory,
    ValueStoryPublic,
)
from app.services.actors import Actor
from app.services.changes import events


def dump(contribution: Contribution) -> dict[str, Any]:
    return ContributionPublic.model_validate(contribution).model_dump(mode="json")


async def contribution_changed(
    session: AsyncSession,
    actor: Actor,
    type_: str,
    contribution: Contribution,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    """Record a change to a contribution; the caller commits. `before` (a `dump` taken
    before the change) lets the audit log say which fields changed, and tells a draft
    being archived (audited only) from one being published (an event)."""
    draft = ContributionStatus.draft.value
    was_draft = before is not None and before.get("status") == draft
    if contribution.status == draft or (
        was_draft and contribution.status != ContributionStatus.published
    ):
        await events.audit(
            session,
            actor,
            type_,
            resource_type="contribution",
            resource_id=contribution.id,
            domain_id=contribution.domain_id,
        )
        return
    await session.flush()  # the payload shows the version this change gives the contribution
    payload = dump(contribution)
    await events.record(
        session,
        actor,
        type_,
        domain_id=contribution.domain_id,
        resource_type="contribution",
        resource_id=contribution.id,
        payload=payload,
        changes=events.diff(before, payload) if before is not None else None,
    )


async def endorsement_changed(
    session: AsyncSession,
    actor: Actor,
    type_: str,
    endorsement: Endorsement,
    contribution: Contribution,
) -> None:
    await events.record(
        session,
        actor,
        type_,
        domain_id=contribution.domain_id,
        resource_type="endorsement",
        resource_id=endorsement.id,
        payload=EndorsementPublic.model_validate(endorsement).model_dump(mode="json"),
    )


async def value_story_created(session: AsyncSession, actor: Actor, story: ValueStory) -> None:
    await events.record(
        session,
        actor,
        "value_story.created",
        domain_id=story.domain_id,
        resource_type="value_story",
        resource_id=story.id,
        payload=ValueStoryPublic.model_validate(story).model_dump(mode="json"),
    )
