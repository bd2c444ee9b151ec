"""Checking content before it prints: validity, reading level, review dates, translations."""
