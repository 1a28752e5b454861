"""GraphQL inputs of contributions, generated from the request models REST reads."""

from app.models.contributions import (
    CollectionCreate,
    CollectionItemInput,
    CollectionUpdate,
    ContributionCreate,
    ContributionFilter,
    ContributionUpdate,
    ReportResolve,
    ValueStoryCreate,
)
from app.schema.generate import input_type
from app.services.validation import parse


@input_type(ContributionFilter, name="ContributionFilterInput", defaults=True)
class ContributionFilterInput:
    def to_filter(self) -> ContributionFilter:
        fields = ContributionFilter.model_fields
        return parse(ContributionFilter, {fields[k].alias or k: v for k, v in vars(self).items()})


@input_type(ContributionCreate, name="ContributionInput")
class ContributionInput:
    pass


@input_type(ContributionUpdate, name="ContributionUpdateInput")
class ContributionUpdateInput:
    pass


@input_type(ValueStoryCreate, name="ValueStoryInput")
class ValueStoryInput:
    pass


@input_type(CollectionCreate, name="CollectionInput")
class CollectionInput:
    pass


@input_type(CollectionUpdate, name="CollectionUpdateInput")
class CollectionUpdateInput:
    pass


@input_type(CollectionItemInput, name="CollectionItemInput")
class CollectionItemInputType:
    pass


@input_type(ReportResolve, name="ReportResolveInput")
class ReportResolveInput:
    pass
