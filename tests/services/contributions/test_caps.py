"""The limits a contribution's lists keep: tags and recipients."""

import pytest
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Invalid
from app.models.contributions import ContributionCreate, ContributionUpdate
from tests.factories import add_member, make_contribution, make_domain, make_person
from tests.support import refused


def test_at_most_20_tags_stored_lowercase_once() -> None:
    made = ContributionCreate(kind="story", title="T", tags=["Nights", "nights ", "Pain"])
    assert made.tags == ["nights", "pain"]
    ContributionCreate(kind="story", title="T", tags=[f"t{i}" for i in range(20)])
    for model, fields in (
        (ContributionCreate, {"kind": "story", "title": "T"}),
        (ContributionUpdate, {}),
    ):
        with pytest.raises(ValidationError) as caught:
            model(**fields, tags=[f"t{i}" for i in range(21)])
        assert caught.value.errors()[0]["loc"] == ("tags",)


async def test_recipients_are_active_members_at_most_50_each_once(session: AsyncSession) -> None:
    convenor = await make_person(session)
    thanked, stranger = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, thanked)
    made = await make_contribution(
        session, convenor, domain, kind="appreciation", recipient_ids=[thanked.id, thanked.id]
    )
    assert made.recipient_ids == [thanked.id]
    error = await refused(
        session,
        make_contribution(
            session, convenor, domain, kind="appreciation", recipient_ids=[stranger.id]
        ),
        Invalid,
    )
    assert [(e.field, e.code) for e in error.errors] == [("recipient_ids", "not_member")]
    many = [stranger.id] * 50 + [thanked.id]
    with pytest.raises(ValidationError) as caught:
        ContributionCreate(kind="appreciation", title="T", recipient_ids=many)
    assert caught.value.errors()[0]["loc"] == ("recipient_ids",)
