"""The emulator's records, one store module per API resource (``stores/<name>.py`` next to ``handlers/<name>.py``).

A store holds a resource's records and the rules of its identifiers; it knows nothing of HTTP (the handlers turn
its records into the API's JSON and its refusals into the API's errors) and imports no handler. The one
:class:`~gradient_evals.testing._state.EmulatorState` of a server builds every store and shares with them the
seeded random draws that make the data deterministic.
"""
