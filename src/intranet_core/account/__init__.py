"""Built-in plugin: account pages."""
