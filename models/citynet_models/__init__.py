"""The vocabulary of city-netops: pure pydantic models, no I/O.

Import from the module that defines a model (``from citynet_models.network import Network``): the package itself
imports nothing, so a command that needs only the enums of ``citynet_models.types`` (the Ansible inventory from NetBox)
does not pay for building every model's validator.

- ``types``: enums and constrained scalar types; ``base``: the strict base model; ``problems``: validation findings;
- ``admin`` (city, districts, wards), ``sites``, ``lans``, ``devices``, ``links``, ``datacenter``, ``policy``,
  ``addressing``: the resolved network's parts; ``network``: the validated ``Network``; ``checks``: its
  cross-object rules; ``intent``: what engineers write in ``inventory/``; ``slug``: ASCII identifiers.
"""
