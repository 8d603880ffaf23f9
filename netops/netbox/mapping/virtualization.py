"""Virtualization: the cluster type, clusters, virtual machines and their interfaces (data-center VMs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from citynet_models.datacenter import VirtualMachine
from citynet_models.sites import Site
from netops.netbox.mapping.base import (
    Dependent,
    Field,
    IdOf,
    Key,
    Kind,
    Mapper,
    NamedMapper,
    Record,
    Ref,
    Value,
    chunks,
)
from netops.netbox.mapping.reading import ModelReader, first_of, host_of
from netops.netbox.vocabulary import CLUSTER_TYPE, DEVICE_STATUS, HOST_INTERFACE, SERVER_ROLE, site_tenant

if TYPE_CHECKING:
    from citynet_models.network import Network


def _vms(network: Network) -> list[VirtualMachine]:
    return [host for host in network.hosts if isinstance(host, VirtualMachine)]


class ClusterTypeMapper(Mapper):
    """virtualization.clustertype: the one kind of cluster the data center runs."""

    object_type = "virtualization.clustertype"
    endpoint = "virtualization/cluster-types"
    graphql_list = "cluster_type_list"
    graphql_type = "ClusterTypeType"
    noun = "cluster type"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        if not _vms(network):
            return []
        return [Record(self.object_type, (CLUSTER_TYPE.slug,), {"name": CLUSTER_TYPE.name, "slug": CLUSTER_TYPE.slug})]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def cluster_record(name: str, site: str) -> Record:
    """A virtualization cluster, scoped to the site of its virtual machines."""
    return Record("virtualization.cluster", (name,), {
        "name": name, "type": Ref("virtualization.clustertype", (CLUSTER_TYPE.slug,)),
        "scope": Ref("dcim.site", (site,)), "status": "active"})


class ClusterMapper(NamedMapper):
    """virtualization.cluster: the clusters the data-center VMs run on."""

    object_type = "virtualization.cluster"
    endpoint = "virtualization/clusters"
    graphql_list = "cluster_list"
    graphql_type = "ClusterType"
    noun = "cluster"
    # A VM's cluster is read from the VM's reference to it; the rest is fixed or follows from the VMs.
    fields = (Field("name", Kind.SCALAR, derived=True),
              Field("type", Kind.REF, ("virtualization.clustertype",), derived=True),
              Field("scope", Kind.GENERIC, ("dcim.site",), derived=True), Field("status", Kind.CHOICE, derived=True))
    dependents = (Dependent("virtualization/virtual-machines", "cluster_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        clusters: dict[str, str] = {}
        for vm in _vms(network):
            clusters.setdefault(vm.cluster, vm.site)
        return [cluster_record(name, site) for name, site in sorted(clusters.items())]


def vm_record(vm: VirtualMachine, site: Site) -> Record:
    """A data-center virtual machine: cluster, site, the server role, vCPUs and memory (MB), its address as
    primary IPv4."""
    _, tenant = site_tenant(site)
    return Record("virtualization.virtualmachine", (vm.name,), {
        "name": vm.name, "cluster": Ref("virtualization.cluster", (vm.cluster,)),
        "site": Ref("dcim.site", (site.slug,)),
        "role": Ref("dcim.devicerole", (SERVER_ROLE.slug,)), "tenant": Ref("tenancy.tenant", (tenant.slug,)),
        "status": DEVICE_STATUS[site.status], "vcpus": float(vm.vcpus), "memory": vm.memory_mb,
        "primary_ip4": Ref("ipam.ipaddress", (str(vm.address),)),
    })


class VirtualMachineMapper(NamedMapper):
    """virtualization.virtualmachine: the data-center VMs."""

    object_type = "virtualization.virtualmachine"
    endpoint = "virtualization/virtual-machines"
    graphql_list = "virtual_machine_list"
    graphql_type = "VirtualMachineType"
    noun = "virtual machine"
    fields = (Field("name", Kind.SCALAR), Field("cluster", Kind.REF, ("virtualization.cluster",)),
              Field("site", Kind.REF, ("dcim.site",)), Field("role", Kind.REF, ("dcim.devicerole",), derived=True),
              Field("tenant", Kind.REF, ("tenancy.tenant",), derived=True), Field("status", Kind.CHOICE, derived=True),
              Field("vcpus", Kind.DECIMAL), Field("memory", Kind.INTEGER),
              Field("primary_ip4", Kind.REF, ("ipam.ipaddress",), late=True))
    dependents = (Dependent("virtualization/interfaces", "virtual_machine_id"),
                  Dependent("ipam/services", "virtual_machine_id"))

    def desired(self, network: Network) -> Iterable[Record]:
        sites = network.site_by_slug
        return [vm_record(vm, sites[vm.site]) for vm in _vms(network)]

    def read(self, reader: ModelReader) -> None:
        """The virtual data-center hosts: cluster, vCPUs and memory besides what every host has."""
        for record in reader.managed(self.object_type):
            host = host_of(reader, record, "virtual")
            if host is not None:
                reader.hosts.append(host | {
                    "cluster": first_of(record.fields.get("cluster")) or "",
                    "vcpus": int(float(record.fields.get("vcpus") or 0)), "memory_mb": record.fields.get("memory")})


def vm_interface_record(vm: VirtualMachine) -> Record:
    """The network interface of a VM."""
    return Record("virtualization.vminterface", (vm.name, HOST_INTERFACE), {
        "virtual_machine": Ref("virtualization.virtualmachine", (vm.name,)), "name": HOST_INTERFACE,
        "description": f"LAN {vm.lan}"})


class VmInterfaceMapper(Mapper):
    """virtualization.vminterface: each VM's interface."""

    object_type = "virtualization.vminterface"
    endpoint = "virtualization/interfaces"
    graphql_list = "vm_interface_list"
    graphql_type = "VMInterfaceType"
    noun = "VM interface"
    # A VM's one interface: its address is read as the VM's primary IPv4, its LAN from the address.
    fields = (Field("virtual_machine", Kind.REF, ("virtualization.virtualmachine",), derived=True),
              Field("name", Kind.SCALAR, derived=True), Field("description", Kind.SCALAR, derived=True))
    key_refs = ("virtual_machine",)
    dependents = (Dependent("ipam/ip-addresses", "vminterface_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        return [vm_interface_record(vm) for vm in _vms(network)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        vm = fields["virtual_machine"]
        return (*(vm.key if isinstance(vm, Ref) else ("?",)), str(fields["name"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        ids = sorted({i for key in keys if (i := id_of("virtualization.virtualmachine", key[:1])) is not None})
        return [{"virtual_machine_id": list(chunk)} for chunk in chunks(ids, 50)]
