"""The job runner: scheduled source syncs, feed polls and article analyses, run once each."""
