"""People and organisational units: the directory every other feature builds on."""
