"""Tools for content staff: data checks (`make check-content`), the understanding
report (`make report`) and the spreadsheet round trip (`make export-csv` / `import-csv`).

Nothing here runs inside the Rasa server; see CONTENT.md for how staff use it.
"""
