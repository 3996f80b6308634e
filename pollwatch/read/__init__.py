"""Bytes to text cells: the encoding, the CSV dialect, and each cell's line number."""
