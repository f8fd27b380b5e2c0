"""borderwatch: news monitoring for security on Afghanistan's northern borders and the CSTO's southern flank.

Public surface: configuration, the pure stages (feeds, extraction, detection) and the error types.
"""

__version__ = "0.1.0"
