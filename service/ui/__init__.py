"""The server-rendered web UI for fact-checkers working the queue."""
