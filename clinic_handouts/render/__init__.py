"""Turning models into HTML with Jinja2, and HTML into PDF with WeasyPrint."""
