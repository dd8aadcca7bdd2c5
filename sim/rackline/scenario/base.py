"""What every part of the scenario format shares: strict keys, and the supplier regions."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["REGIONS", "Spec"]

REGIONS = ("domestic", "nearshore", "overseas")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)
