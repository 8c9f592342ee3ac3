"""The routing rules the central system hands to the desks: keyword rules and agencies,
versioned (``routing.json``'s ``version``). A coordinator edits the two files in a directory
and starts the server with ``POSKO_CENTRAL_RULES=DIR``; desks fetch a newer set on their next
sync and use it from then on, offline. Without a directory, the rules installed with the
program are served (desks already have those)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posko import wire
from posko.assets import assets_dir
from posko.routing import RoutingError, accept_rule_set

ENV_RULES_DIR = "POSKO_CENTRAL_RULES"


class RulesError(ValueError):
    """The rules directory cannot be served; the message says why."""


@dataclass(frozen=True)
class RuleSet:
    version: int
    routing: dict[str, Any]
    agencies: dict[str, Any]


def load_rule_set(directory: Path | None = None) -> RuleSet:
    """The rule set in ``directory`` (``routing.json`` and ``agencies.json``), checked as a
    desk will check it: sent through the sync protocol's model and back, then built by the
    desks' own rule engine. A set a desk would refuse is never served."""
    folder = directory or assets_dir()
    try:
        routing = json.loads((folder / "routing.json").read_text(encoding="utf-8"))
        agencies = json.loads((folder / "agencies.json").read_text(encoding="utf-8"))
        version = routing.get("version") if isinstance(routing, dict) else None
        sent = wire.RulesResponse.model_validate(
            {"version": version, "routing": routing, "agencies": agencies}
        )
        arrived = wire.RulesResponse.model_validate_json(sent.model_dump_json())
        router = accept_rule_set(arrived.routing, arrived.agencies)
    except (OSError, ValueError, RoutingError) as exc:  # pydantic's errors are ValueErrors
        raise RulesError(f"routing rules in {folder}: {exc}") from exc
    return RuleSet(router.version, arrived.routing, arrived.agencies)


def rules_from_environment() -> RuleSet:
    directory = os.environ.get(ENV_RULES_DIR)
    return load_rule_set(Path(directory) if directory else None)
