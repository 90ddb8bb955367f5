"""What the page shows for a view: the layout, one function per panel (``panels``), the views
they draw on, the tables and the printable report. Dash components, no callbacks."""
