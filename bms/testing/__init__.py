"""What the tests of every app share: row builders (factories), the nightly journals' test data
(journals) and separate BMS processes that start together (processes).

The top of the import layers (see [tool.importlinter] in pyproject.toml): it may import every app,
and no app's code imports it — only tests do. The personas stay in bms.core.testing, which imports
nothing but core.
"""
