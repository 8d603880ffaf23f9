"""Resolution: derive and allocate what intent leaves out, one module per concern, turning intent into a Network.

netops/pipeline.py runs the phases in order; each is a function of the results of the ones before it.
"""
