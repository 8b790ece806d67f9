"""Text from student code, made safe for results.json and for markdown.

Anything a submission controls (its output, exception messages, tracebacks, answers, file
names) is shown as code: a fenced block or an inline span, where markdown is inert, so it
can never pose as the grader's own words, tables or links.  And every string results.json
holds is valid UTF-8 without NUL: lone surrogates (from a non-UTF-8 file name or a crafted
message) become U+FFFD.
"""
from __future__ import annotations


def fence(text: str, limit: int = 3000, tail: bool = False) -> str:
    """`text` as a fenced block; cut to `limit` characters, keeping the end where `tail` (a traceback's last
    line is the exception)."""
    text = clean(text).replace("```", "'''")
    if len(text) > limit:
        text = "[cut ...]\n" + text[-limit:] if tail else text[:limit] + "\n[... cut]"
    return "```\n" + text.rstrip() + "\n```"


def code(text: str, limit: int = 80) -> str:
    """Short text as inline code (whitespace collapsed, backticks replaced)."""
    return "`" + " ".join(clean(str(text)).replace("`", "'").split())[:limit] + "`"


def clean(text: str) -> str:
    """Valid UTF-8 without NUL: lone surrogates become U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\x00", "")
