"""footprint: monthly energy and fuel data in, audited CO2 inventory out.

The core package holds the domain and never imports Prefect; flows/ and tasks/ wire it.
"""

__version__ = "0.1.0"
