"""longctx Python package: the NumPy reference of every longctx op."""
