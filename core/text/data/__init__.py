"""Generated data files of the length engine (see scripts/refresh_text_data.py)."""
