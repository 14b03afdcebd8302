"""Labinov: a workflow engine for LAN's Innovation Laboratory (Laboratorium Inovasi).

The package is the service layer. The Typer CLI (`lab.cli`) and the Prefect flow (`flows/`) are thin
edges that call it. Importing `lab` connects to nothing and never imports Prefect.
"""

__version__ = "0.1.0"
