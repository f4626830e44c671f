"""deploy/aws/state-table.yaml: lint-free, and the table hubsync's state store expects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cfnlint.decode import decode

from hubsync.state.history import EXPIRES_AT

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "state-table.yaml"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), str(path)], capture_output=True, text=True, timeout=300, check=False
    )


def test_cfn_lint_finds_nothing() -> None:
    done = lint(TEMPLATE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_would_find_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("PAY_PER_REQUEST", "PAY_AS_YOU_GO"))
    done = lint(broken)
    assert done.returncode != 0 and "PAY_AS_YOU_GO" in done.stdout


def test_the_table_has_hubsyncs_key_ttl_and_point_in_time_recovery() -> None:
    template, problems = decode(str(TEMPLATE))
    assert problems == [] and template is not None
    table = template["Resources"]["StateTable"]
    properties = table["Properties"]
    assert [(k["AttributeName"], k["KeyType"]) for k in properties["KeySchema"]] == [
        ("pk", "HASH"),
        ("sk", "RANGE"),
    ]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": EXPIRES_AT,
        "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
