"""Worksheets: Markdown files with YAML front matter, driven by one Pydantic schema per stage.

`spec` reads a schema into field specs; `markdown` renders values to Markdown bodies and parses them
back (its exact inverse); `render` holds the Jinja environment and `render_worksheet()`.
"""
