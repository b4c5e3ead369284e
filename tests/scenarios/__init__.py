"""Seeded, realistic alert storms with ground truth, and the metrics that judge a replay."""
