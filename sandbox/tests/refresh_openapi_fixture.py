"""Regenerates the OpenAPI fixture (hubspot_openapi/) from HubSpot's official documents.

    python -m sandbox.tests.refresh_openapi_fixture DIR

DIR holds `crm-contacts-v3.json` and `crm-properties-v3.json` as HubSpot publishes them.
What the exchange checks use is kept (paths, operations, parameters, bodies, responses,
schemas with their types and required fields, security); prose and vendor extensions are
dropped, and the result is written with sorted keys, so the same documents always give the
same bytes. Running it on the fixture itself changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sandbox.tests.openapi import SPEC_FILES, SPECS_DIR

# Words for people, not for a checker. A schema's `properties` map is exempt: there these
# are the names of fields (HubSpot's Property has a `description` field).
PROSE = frozenset({"description", "summary", "example", "examples", "externalDocs", "tags"})


def derive(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of one OpenAPI document that a request and response check needs."""
    kept: dict[str, Any] = _strip(document, names_map=False)
    kept["info"] = {"title": document["info"]["title"], "version": document["info"]["version"]}
    for responses in _response_maps(kept):
        for response in responses.values():
            if "$ref" not in response:
                response["description"] = ""  # OpenAPI requires one; its text is prose
    return kept


def _strip(node: Any, names_map: bool) -> Any:
    if isinstance(node, list):
        return [_strip(item, names_map=False) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _strip(value, names_map=key == "properties" and not names_map)
        for key, value in node.items()
        if names_map or not (key in PROSE or key.startswith("x-"))
    }


def _response_maps(document: dict[str, Any]) -> list[dict[str, Any]]:
    maps = [document.get("components", {}).get("responses", {})]
    for path_item in document["paths"].values():
        maps.extend(op["responses"] for op in path_item.values() if isinstance(op, dict))
    return maps


def render(document: dict[str, Any]) -> str:
    return json.dumps(derive(document), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def refresh(source_dir: Path, fixture_dir: Path = SPECS_DIR) -> list[Path]:
    written = []
    for name in SPEC_FILES:
        document = json.loads((source_dir / name).read_text(encoding="utf-8"))
        target = fixture_dir / name
        target.write_text(render(document), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not all((Path(argv[0]) / name).is_file() for name in SPEC_FILES):
        print(
            "usage: python -m sandbox.tests.refresh_openapi_fixture DIR "
            f"(DIR holds HubSpot's {' and '.join(SPEC_FILES)})",
            file=sys.stderr,
        )
        return 2
    for path in refresh(Path(argv[0])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
