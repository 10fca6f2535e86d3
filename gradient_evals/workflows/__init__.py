"""Workflows over the resources: waiting for runs, exporting, summarizing and comparing their results.

Plain async functions; the resources expose them as one-line methods (``client.evaluation_runs.wait`` ...).
"""
