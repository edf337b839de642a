"""Import and export of registry data (Excel/CSV)."""
