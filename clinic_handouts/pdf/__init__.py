"""Finishing PDFs: accessibility repairs, XMP and dates, PDF/A and PDF/UA claims and checks."""
