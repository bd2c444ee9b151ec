"""Printable patient handouts for clinics: YAML content + clinic branding -> PDF."""

from clinic_handouts.render import libraries

__version__ = "0.1.0"

libraries.install()  # before any module imports WeasyPrint: see render/libraries.py
