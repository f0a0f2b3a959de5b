"""Sign-in: passwords, server-side sessions, password reset, throttling and API tokens."""
