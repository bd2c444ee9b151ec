"""The print station: a web app for the front desk and an HTTP API for the medical record."""
