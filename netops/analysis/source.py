"""The --source option of the planner commands: intent only until the NetBox reader lands."""

from enum import StrEnum
from typing import Annotated

import typer


class Source(StrEnum):
    """Where the network model comes from (`netbox` arrives with the NetBox issue)."""

    INTENT = "intent"


SourceOption = Annotated[Source, typer.Option("--source", help="Where the model comes from")]
