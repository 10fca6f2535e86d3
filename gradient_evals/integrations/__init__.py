"""Integrations beside the reports: GitHub (a pull request comment, workflow annotations).

They run after the verdict and never change it: every failure of theirs is one notice line, never an exception
out of their entry points, never an exit code of its own.
"""
