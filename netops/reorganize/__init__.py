"""`netops reorganize`: a legacy-structured intent turned into the 2025 structure."""
