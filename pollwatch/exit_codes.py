"""The `pollwatch` exit codes, which scripts rely on (README, "Exit codes")."""

EXIT_OK = 0  # everything loaded or already known
EXIT_REJECTS = 1  # something was rejected; the valid rows are stored, the rejects kept
EXIT_USAGE = 2  # usage or configuration error
# Beyond DESIGN.md's three: the run could not happen or finish (the database is held by another
# process or cannot be written, a file could not be moved out of the inbox).
EXIT_NOT_RUN = 3
# Stopped by Ctrl-C (SIGINT), 143 for SIGTERM: what was committed stays, the rest stays in the
# inbox.
EXIT_INTERRUPTED = 130
