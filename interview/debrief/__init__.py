"""Debrief: the panel's scorecards brought together into one view of the candidate."""
