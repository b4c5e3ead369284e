"""Correlation quality of ``correlator replay``, judged against generated ground truth."""
