"""Stored analyses, the deduplicated claim queue and the reviewer workflow."""
