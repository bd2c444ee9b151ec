"""Printable patient handouts for clinics: YAML content + clinic branding -> PDF."""

__version__ = "0.1.0"
