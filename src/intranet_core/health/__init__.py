"""``GET /healthz``: is this process up and its database reachable."""
