"""The committed OpenAPI fixture: what the refresh script makes, covering every endpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hubsync_sandbox.hubspot.server import ROUTES
from sandbox.tests.openapi import SPEC_FILES, SPECS_DIR, is_unchecked, spec_for
from sandbox.tests.refresh_openapi_fixture import derive, main, refresh

SANDBOX_OWN_ROUTES = "/_sandbox/"  # the sandbox's inspection endpoints, not HubSpot's


def test_the_fixture_is_what_the_refresh_script_makes_of_it(tmp_path: Path) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SPECS_DIR, source)
    out.mkdir()

    written = refresh(source, out)

    assert sorted(p.name for p in written) == sorted(SPEC_FILES)
    for name in SPEC_FILES:
        assert (out / name).read_bytes() == (SPECS_DIR / name).read_bytes(), name


def test_the_fixture_covers_every_hubspot_endpoint_the_sandbox_serves() -> None:
    documents = {name: json.loads((SPECS_DIR / name).read_text()) for name in SPEC_FILES}
    served = [
        route
        for route in ROUTES
        if not route.template.startswith(SANDBOX_OWN_ROUTES) and not is_unchecked(route.template)
    ]
    missing = []
    for route in served:
        name = spec_for(route.template)
        paths = documents[name]["paths"] if name else {}
        if route.method.lower() not in paths.get(route.template, {}):
            missing.append(route.endpoint)
    assert len(served) >= 17
    assert missing == []


def test_prose_goes_but_fields_named_like_prose_stay() -> None:
    document = {
        "openapi": "3.0.1",
        "info": {"title": "Properties", "version": "v3", "description": "Long text."},
        "tags": [{"name": "Core"}],
        "x-hubspot-product-tier-requirements": {"crmHub": "FREE"},
        "paths": {
            "/p": {
                "get": {
                    "summary": "Read",
                    "description": "Reads.",
                    "tags": ["Core"],
                    "responses": {
                        "200": {
                            "description": "successful operation",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Property"},
                                    "example": None,
                                }
                            },
                        },
                        "default": {"description": "", "$ref": "#/components/responses/Error"},
                    },
                }
            }
        },
        "components": {
            "responses": {"Error": {"description": "An error occurred."}},
            "schemas": {
                "Property": {
                    "type": "object",
                    "description": "A property.",
                    "required": ["description", "name"],
                    "properties": {
                        "description": {"type": "string", "example": "Shoe size"},
                        "name": {"type": "string", "x-hubspot-internal": True},
                    },
                }
            },
        },
    }

    kept = derive(document)

    assert kept["info"] == {"title": "Properties", "version": "v3"}
    assert "tags" not in kept and "x-hubspot-product-tier-requirements" not in kept
    operation = kept["paths"]["/p"]["get"]
    assert set(operation) == {"responses"}
    assert operation["responses"]["200"]["description"] == ""
    assert operation["responses"]["default"] == {"$ref": "#/components/responses/Error"}
    assert kept["components"]["responses"]["Error"] == {"description": ""}
    assert kept["components"]["schemas"]["Property"] == {
        "type": "object",
        "required": ["description", "name"],
        "properties": {"description": {"type": "string"}, "name": {"type": "string"}},
    }


@pytest.mark.parametrize("args", [[], ["no/such/dir"], ["a", "b"]])
def test_the_script_needs_the_directory_of_the_official_documents(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert "usage: python -m sandbox.tests.refresh_openapi_fixture DIR" in capsys.readouterr().err
