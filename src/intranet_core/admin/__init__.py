"""Built-in plugin: admin pages."""
