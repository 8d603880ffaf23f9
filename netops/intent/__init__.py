"""Reading intent files: YAML with line numbers, checked against the intent schema."""
