import os

# Qt without a display, for every test that builds widgets (pytest-qt reads this at QApplication creation)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
