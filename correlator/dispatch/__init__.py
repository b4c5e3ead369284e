"""Dispatch: priority, paging policy, tickets and pages."""
