"""Qt views of ganviz: everything that imports PySide6 or pyqtgraph lives here."""
