"""Roles and permissions: "may this person do this here"."""
