"""The borderwatch benchmark: the whole ``monitor`` pipeline against bare trafilatura, in one run.

``python -m bench`` (see ``bench/README.md``); ``python -m bench.growth`` for the cost of a run as the
database grows.
"""
