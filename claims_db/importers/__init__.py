"""Importers that turn fact-check feeds and datasets into ``FactCheckInput`` records."""
