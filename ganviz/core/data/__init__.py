"""Data: the 2-D distributions a GAN learns.

What a dataset is and its registry entries (dataset_base), the built-in ones (datasets), points from a CSV file
or drawn in the window (custom_data) and the drawing brush (drawing)."""
