"""Reply → readable terminal text. Buttons become the command line they would run, so a
console user can copy "show more" instead of clicking it."""

from __future__ import annotations

import textwrap

from bot.core.reply import Buttons, Context, Divider, Header, Quote, Reply, Section, quoted

WIDTH = 100


def _wrap(text: str, indent: str = "", rest: str | None = None) -> list[str]:
    out: list[str] = []
    rest = indent if rest is None else rest
    for para in text.split("\n"):
        out.extend(
            textwrap.wrap(para, WIDTH, initial_indent=indent, subsequent_indent=rest) or [""]
        )
        indent = rest
    return out


def render(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            lines += ["", block.text.upper(), "=" * min(len(block.text), WIDTH)]
        elif isinstance(block, Section):
            text = "".join(
                (f"{s.text} <{s.url}>" if s.url and s.url != s.text else s.text)
                for s in block.spans
            )
            lines += _wrap(text)
        elif isinstance(block, Quote):
            lines += _wrap(quoted(block.text), "    ")
            tail = ", ".join(x for x in (block.date, block.source_label) if x)
            lines += _wrap(f"— {block.attribution}" + (f", {tail}" if tail else ""), "      ")
            if block.link:
                lines.append(f"      {block.link}")
        elif isinstance(block, Context):
            lines += _wrap(block.text, "  · ", "    ")
        elif isinstance(block, Divider):
            lines.append("-" * 40)
        elif isinstance(block, Buttons):
            for action in block.actions:
                if action.id == "share":
                    continue  # nothing to share to in a terminal
                lines.append(f"  [{action.label}] {action.value}")
    return "\n".join(lines).strip("\n")
