"""The demo's data (`make demo`, `manage.py seed_demo`): three years of a believable DPS,
written through the services with the clock moved to each day (workspace/demo/clock.py)."""
