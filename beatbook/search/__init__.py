"""One-box search across residents, flats and premises."""
