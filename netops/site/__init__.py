"""`netops site`: scaffolding a new site of an official unit into the 2025 intent, and showing one site."""
