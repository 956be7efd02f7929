"""The report: merging results files, the views, and the HTML page with its summary and badges."""
