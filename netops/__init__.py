"""city-netops: infrastructure-as-code and inventory for a city government's WAN."""

__version__ = "0.1.0"
