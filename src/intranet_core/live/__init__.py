"""Live updates: new posts appear on open feed pages, through Litestar channels."""
