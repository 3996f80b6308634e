"""Text cells to canonical poll rows: the layout files, the value parsers, the aliases."""
