"""Reads deploy/prometheus-rules.yml: its rules and the metric names their expressions use.

`rule_metric_names()` is what a check against the daemon's /metrics compares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus-rules.yml"
_CHILDREN = ("lhs", "rhs", "expr", "args", "param", "vector_selector")
# What Prometheus derives from a histogram's name: its series are base_bucket, _sum, _count.
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


def rules(path: Path = RULES) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects; raises ValueError if it does not parse."""
    return set(_names(promql_parser.parse(expression)))


def _names(node: Any) -> Iterator[str]:
    if type(node).__name__ == "VectorSelector":
        assert node.name, "every selector names its metric"
        yield node.name
    for attribute in _CHILDREN:
        child = getattr(node, attribute, None)
        for inner in child if isinstance(child, list) else [child]:
            if inner is not None:
                yield from _names(inner)


def rule_metric_names(path: Path = RULES) -> set[str]:
    """Every metric the rules use, a histogram's series under the histogram's own name."""
    used = {name for rule in rules(path) for name in metric_names(rule["expr"])}
    return {_histogram_name(name) for name in used}


def _histogram_name(series: str) -> str:
    for suffix in HISTOGRAM_SERIES:
        if series.endswith(suffix):
            return series.removesuffix(suffix)
    return series
