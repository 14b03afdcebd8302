"""The Jinja environment and `render_worksheet()`, the one way a worksheet file is written.

A cohort may override a stage template with its own `templates/<lang>/<stage>.md.j2`. Such a file comes
from the workspace (or from a restored backup), so it is untrusted: it is read without following links,
size-limited, and rendered in Jinja's immutable sandbox, where only macros, Jinja's own helpers and
methods of plain values (text, lists, dicts) may be called — never a method of the engine's objects.
Anything a template does wrong (unsafe access, a syntax error, a failing expression, an oversized
result) is a `WorksheetError` located at the template's line, one line, never a traceback.
"""

from __future__ import annotations

import functools
import hashlib
import re
import types
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.loaders import split_template_path
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace, _PassArg

from lab.domain.errors import LabError, WorksheetError
from lab.storage import safefs
from lab.worksheets.frontmatter import MAX_BYTES
from lab.worksheets.views import field_views

SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PACKAGED_TEMPLATES = Path(__file__).resolve().parents[1] / "_templates"
OVERRIDES = "templates"  # a cohort's own templates, under its workspace
MAX_TEMPLATE_BYTES = 1_000_000


def templates_dir() -> Path:
    """The project's templates: next to the package in a checkout, inside it in a wheel."""
    return SOURCE_TEMPLATES if SOURCE_TEMPLATES.is_dir() else PACKAGED_TEMPLATES


class CohortTemplates(BaseLoader):
    """A cohort's `templates/` folder, read through `safefs`: no links, no special files, bounded size."""

    def __init__(self, root: Path):
        self.root = root

    def get_source(self, environment, template: str):
        rel = "/".join((OVERRIDES, *split_template_path(template)))  # refuses '..'
        st = safefs.check(self.root, rel)
        if st is None:
            raise TemplateNotFound(template)
        data = safefs.read_bytes(self.root, rel, MAX_TEMPLATE_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WorksheetError(
                rel, 1, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
            ) from None
        return text, str(self.root / rel), lambda: _mtime(self.root, rel) == st.st_mtime_ns


def _mtime(root: Path, rel: str) -> int | None:
    try:
        st = safefs.check(root, rel)
    except LabError:
        return None
    return st.st_mtime_ns if st else None


class WorksheetSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, stricter on calls and sizes.

    Only macros, Jinja's globals and helpers, and methods of builtin values may be called: the engine's
    objects (teams, proposals, stages) can be read, never called. No text, list, width or number a
    template makes may outgrow a worksheet (checked on every operator, call, filter and namespace
    assignment), so a template cannot exhaust memory by doubling a value."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals["namespace"] = BoundedNamespace

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, Macro) or any(obj is g for g in self.globals.values()):
            return True
        if isinstance(obj, types.FunctionType):  # plain Python code passed in the context
            return False
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, types.ModuleType):  # a module's function (os.system and friends)
            return False
        cls = obj if isinstance(obj, type) else type(owner) if owner is not None else type(obj)
        return cls.__module__ == "builtins" or cls.__module__.startswith("jinja2.")

    def call(__self, __context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if isinstance(getattr(__obj, "__self__", None), str):  # "{:999999999}".format(…) and the like
            _check_format(__obj.__self__)
        _check_values(*args, *kwargs.values())
        if not __self.is_safe_callable(__obj):
            name = getattr(__obj, "__qualname__", None) or type(__obj).__name__
            raise SecurityError(f"calling {name} is not allowed in a template")
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right) and left.bit_length() * right > MAX_INT_BITS:
            raise SecurityError("a number that large is not allowed in a template")
        if operator == "*":
            seq, n = (left, right) if _is_int(right) else (right, left)
            if isinstance(seq, str | list | tuple) and _is_int(n) and len(seq) * n > MAX_BYTES:
                raise SecurityError("repeating a text or list past the worksheet size limit is not allowed")
            if _is_int(seq) and _is_int(n) and seq.bit_length() + n.bit_length() > MAX_INT_BITS:
                raise SecurityError("a number that large is not allowed in a template")
        if operator == "%" and isinstance(left, str):
            _check_format(left)
        return _checked(super().call_binop(context, operator, left, right))


MAX_INT_BITS = 4096


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked(value: Any) -> Any:
    """`value`, unless it is a text or collection larger than a worksheet may be."""
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_BYTES:
        raise SecurityError("a value larger than the worksheet size limit is not allowed in a template")
    return value


def _check_values(*values: Any, widths: tuple[Any, ...] = ()) -> None:
    for value in values:
        _checked(value)
    for width in widths:
        if _is_int(width) and abs(width) > MAX_BYTES:
            raise SecurityError("a width or count past the worksheet size limit is not allowed in a template")


def _check_format(fmt: str) -> None:
    """Refuse a format string whose widths would make a text larger than a worksheet."""
    if any(len(digits) > len(str(MAX_BYTES)) for digits in re.findall(r"\d+", fmt)):
        raise SecurityError("a format width past the worksheet size limit is not allowed in a template")


def _bounded_filter(f):
    """A filter whose arguments (widths, counts, texts) and result are size-checked."""
    skip = 1 if _PassArg.from_obj(f) is None else 2  # the filtered value (after context/environment)

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_values(*args, *kwargs.values(), widths=(*args[skip:], *kwargs.values()))
        if f.__name__ == "do_format" and len(args) >= skip and isinstance(args[skip - 1], str):
            _check_format(args[skip - 1])
        return _checked(f(*args, **kwargs))

    return bounded


class BoundedNamespace(Namespace):
    """Jinja's `namespace()`, refusing a value larger than a worksheet (a loop doubling a text)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _checked(value))


@lru_cache(maxsize=16)
def environment(override_dir: str | None = None) -> WorksheetSandbox:
    """The sandboxed Jinja environment; a cohort's own `templates/` folder is searched first."""
    loaders: list[BaseLoader] = [FileSystemLoader(str(templates_dir()))]
    if override_dir:
        loaders.insert(0, CohortTemplates(Path(override_dir).parent))
    return WorksheetSandbox(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,  # Markdown, not HTML: values are escaped by the worksheet format itself
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        comment_start_string="{##",  # so that `{#id}` in headings is plain text
        comment_end_string="##}",
    )


@lru_cache(maxsize=64)
def stage_template(stage_slug: str, lang: str, override_dir: str | None = None) -> Template:
    """The compiled template of a stage in a language (compiled once per process)."""
    return environment(override_dir).get_template(f"{lang}/{stage_slug}.md.j2")


def render_worksheet(
    stage,
    lang: str,
    meta: dict[str, Any],
    values: dict[str, Any],
    context: dict[str, Any],
    override_dir: str | None = None,
) -> str:
    """The Markdown text of a stage worksheet filled with `values` (partial values render blank).

    WorksheetError, located at the template's line, if a template is broken or does what templates
    may not."""
    template = None
    try:
        template = stage_template(stage.slug, lang, override_dir)
        parts, size = [], 0
        for part in template.generate(
            meta=meta, fields=field_views(stage.schema, values, lang), stage=stage, lang=lang, **context
        ):
            size += len(part)
            if size > MAX_BYTES:
                raise SecurityError(f"the worksheet it writes is larger than {MAX_BYTES // 1_000_000} MB")
            parts.append(part)
        return "".join(parts)
    except LabError:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError,
            RecursionError, MemoryError) as exc:  # fmt: skip
        raise template_error(exc, override_dir, template.filename if template else None) from None


def template_error(
    exc: BaseException, override_dir: str | None, filename: str | None = None
) -> WorksheetError:
    """The one-line, located error of a failing template (the cohort's own file when it is involved)."""
    frames = []
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        frames.append((exc.filename, exc.lineno or 1))
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            frames.append((name, tb.tb_lineno))
        tb = tb.tb_next
    base = Path(override_dir).parent if override_dir else None
    frames = frames or ([(filename, 1)] if filename else [])
    own = [(f, n) for f, n in frames if base and Path(f).is_relative_to(base / OVERRIDES)]
    file, line = (own or frames or [(f"{OVERRIDES}/", 1)])[-1]
    where = Path(file).relative_to(base).as_posix() if own and base else file
    detail = " ".join(str(getattr(exc, "message", None) or exc).split()).rstrip(".")
    if isinstance(exc, SecurityError):
        reason = f"the template does what templates may not ({detail})"
    elif isinstance(exc, TemplateSyntaxError):
        reason = f"template syntax error: {detail}"
    elif isinstance(exc, TemplateNotFound):
        reason = (
            f"template {exc.name!r} is not found (only templates/ and the standard templates can be used)"
        )
    elif isinstance(exc, RecursionError):
        reason = "the template calls itself without end"
    else:
        reason = f"the template fails: {detail or type(exc).__name__}"
    advice = (
        "fix it, or delete it to use the standard worksheet" if own else "fix the cohort's templates/ folder"
    )
    return WorksheetError(where, line, f"{reason}; {advice}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
