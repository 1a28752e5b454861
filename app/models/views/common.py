"""What every view shares: the window it covers and the participation levels that both the
network and the community view report."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models.common import described_values


@described_values(
    core="Contributed in at least 5 of the 6 months, and attended at least 75% of the "
    "gatherings held or hosted one.",
    active="Contributed in at least 3 of the 6 months, or attended at least half of the "
    "gatherings held.",
    occasional="Contributed in 1 or 2 of the 6 months.",
    peripheral="Only attends or reads, or nothing is recorded.",
)
class ParticipationLevel(StrEnum):
    """A member's level of participation, computed from their activity in the six 30-day
    months before the end of the window, never assigned (Wenger, McDermott and Snyder)."""

    core = "core"
    active = "active"
    occasional = "occasional"
    peripheral = "peripheral"


class Window(BaseModel):
    """A span of time, in whole UTC hours."""

    since: datetime = Field(description="Its start (included).")
    until: datetime = Field(description="Its end (excluded).")
