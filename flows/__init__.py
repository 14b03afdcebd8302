"""Prefect flows of Labinov. Importing this package imports Prefect; the `lab` package never does."""
