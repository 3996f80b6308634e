"""The `pollwatch` command: one library call per command, and the choice between running a
run directly and as a Prefect flow run. No logic of its own."""
