"""A day's schedule: one packet per visit, in parallel, with a manifest."""
