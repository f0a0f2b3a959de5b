"""The site shell: base layout, front page, language choice and error pages."""
