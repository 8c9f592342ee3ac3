"""The routing rules the central system hands to the desks: keyword rules and agencies,
versioned (``routing.json``'s ``version``). A coordinator edits the two files in a directory
and starts the server with ``POSKO_CENTRAL_RULES=DIR``; desks fetch a newer set on their next
sync and use it from then on, offline. Without a directory, the rules installed with the
program are served (desks already have those)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
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

    @cached_property
    def agency_names(self) -> dict[str, dict[str, str]]:
        """Each agency's code and its name per language, as ``agencies.json`` gives them."""
        return {
            str(entry["code"]): {str(k): str(v) for k, v in entry.get("name", {}).items()}
            for entry in self.agencies.get("agencies", [])
        }

    def agency_code(self, value: str) -> str | None:
        """``value`` as the catalog spells the code (any letter case); None if unknown."""
        wanted = value.strip().upper()
        return next((code for code in self.agency_names if code.upper() == wanted), None)

    def agency_name(self, code: str, language: str = "id") -> str:
        """What a citizen reads for ``code``: its name in ``language`` (else Indonesian);
        a value that is not a code (typed before agencies were codes) is shown as it is."""
        names = self.agency_names.get(code, {})
        return names.get(language) or names.get("id") or code


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
