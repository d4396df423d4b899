"""Monitored feeds: the articles outlets publish, fetched, analysed once and queued."""
