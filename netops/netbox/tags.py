"""The tags that mark what netops owns in NetBox.

A module of its own, importing nothing: the Ansible inventory filters NetBox's lists on the managed tag before
anything else of netops is loaded (see netops.ansible.netbox_hosts).
"""

#: The tag every object netops writes carries; only objects with it are ever changed or deleted.
MANAGED_TAG = "netops-managed"
#: What `netops allocate` reserves in NetBox carries this tag; apply takes such objects over when intent wants them.
ALLOCATED_TAG = "netops-allocated"
