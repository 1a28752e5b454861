"""The parameters every view takes, checked once for REST and GraphQL alike."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.errors import FieldError, Invalid, shown
from app.models.base import utcnow
from app.models.views import DOMAIN_LAYERS, Layer
from app.services.windows import Refusal, WindowKind, parse_window

DEFAULT_DAYS = 180
MAX_WINDOW = timedelta(days=3653)
LEVEL_WINDOW = timedelta(days=180)
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class ViewParams:
    since: datetime
    until: datetime
    layers: tuple[Layer, ...]
    min_coattendance: int = 2
    min_shared_domains: int = 2

    @property
    def previous(self) -> "ViewParams":
        """The window of the same length just before this one."""
        span = self.until - self.since
        return ViewParams(
            self.since - span,
            self.since,
            self.layers,
            self.min_coattendance,
            self.min_shared_domains,
        )


def next_hour() -> datetime:
    """The default end of a window: the next full hour, so that a default window stays
    the same for up to an hour (and views of it can be cached); nothing is recorded in
    the future, so it covers everything up to now."""
    return _hour_after(utcnow())


def _hour_before(moment: datetime) -> datetime:
    """The whole UTC hour at or before `moment`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_after(moment: datetime) -> datetime:
    """The whole UTC hour after `moment` (itself, if it is one)."""
    start = _hour_before(moment)
    return start if start == moment else start + timedelta(hours=1)


VIEW_WINDOW = WindowKind(
    forward=False,
    span=timedelta(days=DEFAULT_DAYS),
    longest=MAX_WINDOW,
    clock=next_hour,
    outside=Refusal("since", "The window falls outside the calendar.", "outside the calendar"),
    order=Refusal("since", "`since` must be before `until`.", "must be before `until`"),
    too_long=Refusal(
        "since", "A window spans at most 10 years.", "the window spans more than 10 years"
    ),
)


def view_window(
    since: datetime | None, until: datetime | None, *, default: timedelta
) -> tuple[datetime, datetime]:
    """`until` defaults to the next full hour, `since` to `default` before `until` (read
    as every window is, by `windows.parse_window`). The window is then widened to whole
    hours in UTC: views are computed for, and report, that window, so that requests a few
    seconds apart share one cached view instead of each adding its own (an hour is far
    below what the figures, counted in months, can tell apart)."""
    lo, hi = parse_window(since, until, VIEW_WINDOW, span=default)
    try:
        lo, hi = _hour_before(lo), _hour_after(hi)
        # The previous window, the level windows and month boundaries must exist too.
        lo - (hi - lo) - 2 * LEVEL_WINDOW - MONTH
        hi + 2 * LEVEL_WINDOW
    except OverflowError as exc:
        raise VIEW_WINDOW.outside_calendar() from exc
    return lo, hi


def parse_layers(raw: Iterable[str] | None, *, cross_domain: bool) -> tuple[Layer, ...]:
    """Accepts repeated values and comma lists alike (`layers=reply,appreciation`)."""
    names = [n.strip() for item in (raw or []) for n in item.split(",") if n.strip()]
    if not names:
        return DOMAIN_LAYERS
    allowed = {layer.value for layer in Layer}
    unknown = shown(", ".join(n for n in names if n not in allowed))
    if unknown:
        raise Invalid(
            f"Unknown layer: {unknown}.",
            errors=[
                FieldError(
                    "layers",
                    f"unknown: {unknown}; choose from {', '.join(sorted(allowed))}",
                    "unknown_layer",
                )
            ],
        )
    layers = tuple(dict.fromkeys(Layer(n) for n in names))
    if Layer.membership in layers and not cross_domain:
        raise Invalid(
            "The membership layer links people across domains; use the cross-domain network.",
            errors=[FieldError("layers", "membership is for the cross-domain view", "layer_scope")],
        )
    return tuple(sorted(layers, key=list(Layer).index))


def view_params(
    since: datetime | None = None,
    until: datetime | None = None,
    layers: Iterable[str] | None = None,
    min_coattendance: int = 2,
    min_shared_domains: int = 2,
    *,
    cross_domain: bool = False,
) -> ViewParams:
    errors: list[FieldError] = []
    if not 1 <= min_coattendance <= 1000:
        errors.append(FieldError("min_coattendance", "between 1 and 1000", "out_of_range"))
    if not 1 <= min_shared_domains <= 1000:
        errors.append(FieldError("min_shared_domains", "between 1 and 1000", "out_of_range"))
    if errors:
        raise Invalid("The view parameters are not valid; see `errors`.", errors=errors)
    lo, hi = view_window(since, until, default=timedelta(days=DEFAULT_DAYS))
    return ViewParams(
        lo,
        hi,
        parse_layers(layers, cross_domain=cross_domain),
        min_coattendance,
        min_shared_domains,
    )
