"""Verification of the provisioned network: control plane per device, reachability, redundancy, reports."""
