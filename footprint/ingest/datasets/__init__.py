"""Per dataset: how its canonical rows become warehouse rows, and its load rules."""
