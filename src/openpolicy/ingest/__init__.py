"""Importers per source, bulk loader, import runs, demo-data generator."""
