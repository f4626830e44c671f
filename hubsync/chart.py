"""The marketing-contact count against the limit, drawn as a PNG (`hubsync budget --chart`).

matplotlib is an optional extra (`pip install 'hubsync[chart]'`): heavy, and needed for this
one picture only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hubsync.domain.forecast import CountPoint


class ChartUnavailable(Exception):
    """matplotlib is not installed."""


def write_chart(history: Sequence[CountPoint], limit: int | None, path: Path) -> None:
    """Draw the count over time, and the limit as a dashed line, into the PNG at `path`."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: files only
        from matplotlib import dates, pyplot
    except ImportError as exc:
        raise ChartUnavailable(
            "--chart needs matplotlib: install hubsync with the chart extra "
            "(pip install 'hubsync[chart]')"
        ) from exc
    figure, axes = pyplot.subplots(figsize=(8, 3), dpi=100)
    try:
        # matplotlib.dates ships without annotations for date2num.
        days = dates.date2num([p.at for p in history])  # type: ignore[no-untyped-call]
        axes.plot(days, [p.count for p in history], marker=".", label="count")
        axes.xaxis_date()
        if limit is not None:
            axes.axhline(limit, color="tab:red", linestyle="--", label=f"limit {limit:,}")
        axes.set_ylim(bottom=0)
        axes.set_ylabel("marketing contacts")
        axes.legend(loc="upper left")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)
