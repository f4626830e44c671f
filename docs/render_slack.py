"""Render the Slack message hubsync sends for a new duplicate-email conflict to a PNG.

It reads the exact Block Kit payload of the committed snapshot
(tests/snapshots/alerts/duplicate-email-opened.json), lays it out as Slack shows a message
(header, sections, context), and has headless Chromium take the screenshot:

    python docs/render_slack.py            # writes docs/slack-alert.png

Needs Chromium (`apt-get install chromium-headless-shell`, or `chromium`); the README's
picture is this script's output.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "snapshots" / "alerts" / "duplicate-email-opened.json"
OUTPUT = ROOT / "docs" / "slack-alert.png"
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")

STYLE = """
body { margin: 0; background: #fff; font: 15px/1.47 'DejaVu Sans', Lato, sans-serif;
       color: #1d1c1d; }
.msg { display: flex; padding: 16px 20px; width: 860px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #ff7a59; color: #fff;
          font-weight: bold; display: flex; align-items: center; justify-content: center;
          margin-right: 10px; flex: none; }
.name { font-weight: 900; } .app { background: #e8e8e8; color: #616061; font-size: 10px;
  padding: 1px 3px; border-radius: 2px; margin: 0 4px; font-weight: bold; }
.time { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0 4px; }
.section { margin: 6px 0; white-space: pre-wrap; }
.context { color: #616061; font-size: 12px; margin-top: 6px; }
a { color: #1264a3; text-decoration: none; }
code { background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; color: #e01e5a;
       font-size: 12px; padding: 0 3px; }
"""


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn as Slack shows it: links, `code`, line breaks (text is already
    escaped for Slack, & < > as entities)."""
    links: list[str] = []

    def link(match: re.Match[str]) -> str:
        url, _, label = match.group(1).partition("|")
        links.append(f'<a href="{html.escape(url)}">{html.escape(label or url)}</a>')
        return f"\x00{len(links) - 1}\x00"

    marked = re.sub(r"<(https?://[^>]+)>", link, text)
    shown = html.escape(html.unescape(marked), quote=False)
    shown = re.sub(r"`([^`]+)`", r"<code>\1</code>", shown)
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], shown)


def page(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if block["type"] == "header":
            parts.append(f'<div class="header">{html.escape(block["text"]["text"])}</div>')
        elif block["type"] == "section":
            parts.append(f'<div class="section">{mrkdwn(block["text"]["text"])}</div>')
        elif block["type"] == "context":
            text = " ".join(mrkdwn(e["text"]) for e in block["elements"])
            parts.append(f'<div class="context">{text}</div>')
    return (
        f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
        '<div class="msg"><div class="avatar">h</div><div>'
        '<span class="name">hubsync</span><span class="app">APP</span>'
        '<span class="time">9:15 AM</span>'
        f"{''.join(parts)}</div></div></body></html>"
    )


def main() -> int:
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        print("render_slack: no Chromium found (apt-get install chromium-headless-shell)")
        return 2
    blocks = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["slack"]["blocks"]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "message.html"
        source.write_text(page(blocks), encoding="utf-8")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--screenshot={OUTPUT}",
                "--window-size=900,400",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
