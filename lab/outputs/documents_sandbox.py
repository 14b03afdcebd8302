"""The sandbox a document template is rendered in (`lab documents`): the worksheets' Jinja sandbox (no unsafe
call, no oversized value) with a budget, so a cohort's own template cannot hang the command or fill the memory.

The worksheets' sandbox bounds each value a template makes, not how long it runs: two nested loops over
`range(100000)` take hours and a loop printing a large value fills gigabytes. Here every loop iteration and every
call is a step (at most MAX_STEPS per document), the text a part of the document renders to is at most
MAX_OUTPUT characters, and a recursive loop (`{% for … recursive %}`, which no Word form needs) is refused. A
standard document takes fewer than 20 steps; a long table of milestones a few hundred."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import SecurityError

from lab.worksheets.render import WorksheetSandbox

MAX_STEPS = 300_000  # loop rounds and calls per document; the standard ones take 6 to 20
MAX_OUTPUT = 50_000_000  # characters a part of the document (its body, a header) renders to
_STEPS = "_lab_steps"  # the global each loop's sequence is passed through


class DocumentSandbox(WorksheetSandbox):
    """WorksheetSandbox with a budget of steps and of output for one document."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.steps = 0
        self.globals[_STEPS] = self._counted

    def step(self) -> None:
        """Count one step; past the budget the document fails with a plain reason."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SecurityError(
                f"the template takes more than {MAX_STEPS:,} steps (loop rounds and calls); simplify its loops"
            )

    def _counted(self, sequence: Iterable[Any]) -> Iterator[Any]:
        for item in sequence:
            self.step()
            yield item

    def call(self, context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.step()  # a macro calling itself twice makes 2^n calls without a single loop
        return super().call(context, obj, *args, **kwargs)

    def concat(self, parts: Iterable[str]) -> str:  # Template.render joins its output with this
        out, size = [], 0
        for part in parts:
            size += len(part)
            if size > MAX_OUTPUT:
                raise SecurityError(
                    f"the template writes more than {MAX_OUTPUT // 1_000_000} million characters"
                )
            out.append(part)
        return "".join(out)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's tree with every loop's sequence counted (`for x in _lab_steps(seq)`)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise SecurityError("a recursive loop ({% for … recursive %}) is not allowed in a document")
            counted = nodes.Call(nodes.Name(_STEPS, "load"), [loop.iter], [], None, None, lineno=loop.lineno)
            loop.iter = counted.set_environment(self)
        return tree
