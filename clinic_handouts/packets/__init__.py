"""One visit's packet: cover, handouts and patient identifiers as one tagged PDF."""
