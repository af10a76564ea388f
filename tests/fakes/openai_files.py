"""The fake model's answers about attached files (issue 11, flow 1): "analyze this csv" with a
CSV attached is answered with a workbench cell that reads it from `/mnt/files` with pandas,
prints a summary and draws a chart; its output is then summarised with numbers taken from it.

The app names each attached file in the prompt (`core/agent/attachments.prompt_with_attachments`:
`- /mnt/files/<name> (<name>, <size>, <type>)`); the code reads exactly that path, as a real model
told of the file would. It runs on real pandas too.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.openai_script import Reply

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"

_ATTACHED_CSV = re.compile(r"^- (/mnt/files/[\w.\-+=@,]+\.csv) \(", re.M)
_ANALYSE = re.compile(r"\b(analy[sz]e|summari[sz]e|describe|look at)\b")

ANALYSIS_CODE = """import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv({path!r})
print(f"{{len(df)}} rows; columns: {{', '.join(df.columns)}}")
print(df.describe())
numeric = [c for c in df.columns if df.dtypes[c] != "object"]
labels = [c for c in df.columns if df.dtypes[c] == "object"]
if numeric and labels:
    totals = df.groupby(labels[0])[numeric[0]].sum()
    print(f"Total {{numeric[0]}} by {{labels[0]}}:")
    print(totals.to_string())
    plt.bar(totals.index, totals.values)
    plt.title(f"{{numeric[0]}} by {{labels[0]}}")
    plt.show()
"""


_ATTACHED_BLOCK = re.compile(r"\n\n\[Attached files?: .*", re.S)


def without_attachments(message: str) -> str:
    """The person's own words: the app's lines about attached files taken off (they mention
    sandboxes and tools, which the keyword rules would take for a request)."""
    return _ATTACHED_BLOCK.sub("", message)


def attached_csv(message: str) -> str | None:
    """The workbench path of the CSV the message attaches, when it asks to analyse one."""
    found = _ATTACHED_CSV.search(message)
    if found is None or not _ANALYSE.search(message.lower()):
        return None
    return found.group(1)


def analyse_attached(message: str, tools: list[str]) -> Reply | None:
    """A workbench cell for an attached CSV, or None when the message attaches none."""
    path = attached_csv(message)
    if path is None:
        return None
    if WORKBENCH not in tools:
        return Reply.text(f"I can't open `{path}`: the workbench is not available to me.")
    return Reply.tool_call(WORKBENCH, {"code_to_execute": ANALYSIS_CODE.format(path=path)})


def summarise_analysis(data: dict[str, Any]) -> str | None:
    """The reply to the cell's output: the numbers it printed, then the whole output; None when
    the output is not that of `ANALYSIS_CODE`."""
    stdout = str(data.get("stdout") or "")
    first, _, _ = stdout.partition("\n")
    if "rows; columns:" not in first:
        return None
    lines = stdout.splitlines()
    means = next((line.split()[1:] for line in lines if line.startswith("mean ")), [])
    totals_at = next((i for i, line in enumerate(lines) if line.startswith("Total ")), None)
    facts = [first.split(";")[0].capitalize() + "."]
    if means:
        facts.append(f"The mean of the first numeric column is {means[0]}.")
    if totals_at is not None:
        rows = [line.rsplit(None, 1) for line in lines[totals_at + 1 :]]
        rows = [row for row in rows if len(row) == 2 and _number(row[1]) is not None]
        best = max(rows, key=lambda row: _number(row[1]) or 0.0, default=None)
        if best is not None:
            facts.append(f"The largest total is {best[0].strip()} ({best[1]}).")
    chart = " The chart above shows the totals." if data.get("results") else ""
    return " ".join(facts) + chart + f"\n\n```\n{stdout.rstrip()}\n```"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
