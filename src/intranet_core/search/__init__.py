"""Site-wide search: one page and /api/v1/search, fed by providers."""
