"""Notifications: in the app (the bell), by e-mail now or as a daily digest."""
