"""Device configurations from the model: one Jinja2 environment, a capability table per platform.

The phases, in order (each needs what the one before produced):
1. select the devices and, optionally, the platform to render them as (`retarget`);
2. build each device's render context from the validated Network (`design`, `policy`);
3. check every device's features against its platform's capability table (`capabilities`) and stop
   with every gap found before any template runs;
4. render the platform's outputs (`engine`), in parallel across processes;
5. write the files that changed and report new/changed/unchanged/removed against the manifest.
"""
