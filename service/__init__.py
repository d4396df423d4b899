"""The claimflag HTTP service and command line."""
