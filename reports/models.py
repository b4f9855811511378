"""Reports read the placements and call-offs; they own only their export jobs."""
