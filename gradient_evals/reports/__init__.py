"""Renderers of an :class:`~gradient_evals.results.EvaluationReport`: JUnit XML, Markdown, HTML and the terminal.

Not imported by ``import gradient_evals``: the HTML page needs Jinja2 and the terminal view needs rich, which
only the command line (and code that asks for these renderings) loads.
"""
