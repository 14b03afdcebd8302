"""The lab in a browser (`lab serve`): pages for teams, facilitators and coordinators over the same services
as the `lab` command. An edge, like lab.cli: it calls the workflow and output services, never the reverse."""
