"""What pollwatch tells people when something happens: the notices a run raises (files loaded
and rejected, averages that moved, expected drops that did not come), as plain data for the
flows to send as Prefect events. Nothing here knows Prefect."""
