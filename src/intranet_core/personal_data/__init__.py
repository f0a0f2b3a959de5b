"""Personal data: export everything about a person, erase or anonymise a leaver."""
