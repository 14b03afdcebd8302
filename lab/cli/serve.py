"""`lab serve`: the lab in a browser for teams, facilitators and coordinators (lab.web)."""

from __future__ import annotations

from typing import Annotated

import typer

from lab.cli.app import Workspace, app, say


@app.command()
def serve(
    path: Workspace,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the lab in a browser: one cohort, or every cohort in PATH's subfolders at /<folder>/."""
    import uvicorn  # imported here: `lab --help` stays fast

    from lab.web.app import create_app

    web = create_app(path)
    shown = f"[{host}]" if ":" in host else host
    cohorts = getattr(web.state, "cohorts", None)
    if cohorts:
        for name in cohorts:
            say(f"{name}: http://{shown}:{port}/{name}/  (links: lab links {path / name})")
        say("each cohort's [web] base_url in cohort.toml must end with its /<folder> prefix")
    else:
        say(f"Labinov at http://{shown}:{port}/  (personal links: lab links {path})")
    uvicorn.run(
        web, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False,
        timeout_keep_alive=75,  # a phone that pauses between pages keeps its connection (uvicorn's default: 5 s)
    )  # fmt: skip
